package io.gatewarden.pki;

import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/**
 * The CA that signs the leaf certificates Gatewarden provisions: its certificate, its private key,
 * the certificates above it (only for a loaded intermediate CA) and the older CA certificates that
 * clients must keep trusting while leaves signed by them are still in use (as Strimzi does, the
 * old CA stays in the trust bundle until it expires). Immutable, hence thread-safe.
 *
 * <p>{@link #toString()} never shows the key.
 */
public final class CertificateAuthority {

    private static final int MAX_COMMON_NAME = 64;
    /**
     * Previous CA certificates kept for trust, newest first, at most this many and this many PEM bytes:
     * they ride in the CA Secret and in every ca.crt, far below the 1 MiB Secret limit. A CA rotates
     * when a third of its life is left, so with one lifetime at most one predecessor is still valid;
     * older ones only linger after the lifetime was shortened, and their leaves were re-issued at
     * the rotations since.
     */
    public static final int MAX_PREVIOUS = 4;
    public static final int MAX_PREVIOUS_PEM_BYTES = 16 * 1024;
    private static final int KEY_CERT_SIGN = 5; // index in X509Certificate.getKeyUsage()

    private final X509Certificate certificate;
    private final PrivateKey key;
    private final List<X509Certificate> chain;
    private final List<X509Certificate> previous;
    private final String signatureAlgorithm;
    private final byte[] subjectKeyId;
    private final String fingerprint;

    private CertificateAuthority(X509Certificate certificate, PrivateKey key, List<X509Certificate> chain,
                                 List<X509Certificate> previous) {
        this.certificate = certificate;
        this.key = key;
        this.chain = List.copyOf(chain);
        this.previous = bounded(previous);
        this.signatureAlgorithm = X509Support.signatureAlgorithm(certificate.getPublicKey());
        this.subjectKeyId = X509Support.subjectKeyId(certificate);
        this.fingerprint = X509Support.fingerprint(certificate);
    }

    /**
     * A new self-signed CA: subject {@code CN=commonName}, basicConstraints CA (critical), keyUsage
     * keyCertSign and cRLSign (critical), a subjectKeyIdentifier, notBefore one hour before now
     * (clock skew) and notAfter {@code lifetime} after now.
     */
    public static CertificateAuthority create(String commonName, KeyAlgorithm algorithm, Duration lifetime,
                                              Clock clock) {
        if (commonName == null || commonName.isBlank()) {
            throw new IllegalArgumentException("CA common name must not be blank");
        }
        if (commonName.length() > MAX_COMMON_NAME) {
            throw new IllegalArgumentException("CA common name is longer than " + MAX_COMMON_NAME + " characters");
        }
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
        return selfSigned(subject, algorithm, lifetime, clock, List.of());
    }

    /**
     * An existing CA from PEM. {@code certPem} holds the CA certificate first, optionally followed
     * by the certificates above it (an intermediate CA's chain); {@code keyPem} its private key.
     *
     * @throws IllegalArgumentException with a message fit for users when either does not parse, the
     *     certificate is not a CA (no basicConstraints CA flag, or a keyUsage without keyCertSign),
     *     the key does not belong to it, or its key type cannot sign
     */
    public static CertificateAuthority load(byte[] certPem, byte[] keyPem) {
        return load(certPem, keyPem, null);
    }

    /**
     * As {@link #load(byte[], byte[])}, with the previous CA certificates still to be trusted (e.g.
     * kept in the CA's own Secret across restarts); null or empty for none. Already expired ones are
     * kept here and only left out of {@link #trustBundle(Instant)}.
     */
    public static CertificateAuthority load(byte[] certPem, byte[] keyPem, byte[] previousPem) {
        List<X509Certificate> certs;
        try {
            certs = Pem.certificates(certPem);
        } catch (PemException e) {
            throw new IllegalArgumentException("CA certificate: " + e.getMessage(), e);
        }
        PrivateKey key;
        try {
            key = Pem.privateKey(keyPem);
        } catch (PemException e) {
            throw new IllegalArgumentException("CA private key: " + e.getMessage(), e);
        }
        List<X509Certificate> previous = List.of();
        if (previousPem != null && previousPem.length > 0) {
            try {
                previous = Pem.certificates(previousPem);
            } catch (PemException e) {
                throw new IllegalArgumentException("previous CA certificates: " + e.getMessage(), e);
            }
        }
        X509Certificate ca = certs.get(0);
        String who = "certificate " + CertificateFacts.describe(ca);
        if (ca.getBasicConstraints() < 0) {
            throw new IllegalArgumentException(who + " is not a CA: its basicConstraints do not say CA:TRUE");
        }
        boolean[] usage = ca.getKeyUsage();
        if (usage != null && (usage.length <= KEY_CERT_SIGN || !usage[KEY_CERT_SIGN])) {
            throw new IllegalArgumentException(who + " may not sign certificates: its keyUsage lacks keyCertSign");
        }
        if (!KeyMatch.matches(ca, key)) {
            throw new IllegalArgumentException("the private key does not belong to CA " + who);
        }
        return new CertificateAuthority(ca, key, certs.subList(1, certs.size()), previous);
    }

    /** The CA certificate that signs new leaves. */
    public X509Certificate certificate() {
        return certificate;
    }

    /** The CA's private key. */
    public PrivateKey key() {
        return key;
    }

    /** The certificates above this CA when it is an intermediate loaded with its chain; usually empty. */
    public List<X509Certificate> chain() {
        return chain;
    }

    /**
     * Older CA certificates kept for trust during a CA rotation, newest first, expired ones included
     * (until the next rotation drops them), at most {@link #MAX_PREVIOUS} and {@link #MAX_PREVIOUS_PEM_BYTES}.
     */
    public List<X509Certificate> previous() {
        return previous;
    }

    /** The JCA signature algorithm this CA signs with, e.g. "SHA256withECDSA". */
    public String signatureAlgorithm() {
        return signatureAlgorithm;
    }

    /** The CA certificate's SHA-256 fingerprint: lower-case hex of the DER, 64 characters, no separators. */
    public String fingerprint() {
        return fingerprint;
    }

    byte[] subjectKeyId() {
        return subjectKeyId.clone();
    }

    /**
     * What clients should trust (the ca.crt of a mutual-TLS secret): this CA, the certificates above
     * it, then each previous CA certificate that has not expired at {@code now} (notAfter inclusive).
     * Duplicates are left out. The current CA is always included, even when expired.
     */
    public List<X509Certificate> trustBundle(Instant now) {
        List<X509Certificate> out = new ArrayList<>();
        addOnce(out, certificate);
        chain.forEach(c -> addOnce(out, c));
        for (X509Certificate old : previous) {
            if (!now.isAfter(old.getNotAfter().toInstant())) {
                addOnce(out, old);
            }
        }
        return List.copyOf(out);
    }

    /**
     * A new self-signed CA with the same subject and a new key, valid from now (minus the skew
     * allowance) for {@code lifetime}. This CA (and its chain) joins the front of the new CA's
     * previous certificates; previous certificates already expired now are dropped. Leaves issued
     * by this CA keep verifying against the new CA's trust bundle until this CA expires.
     *
     * <p>Rotation always makes a self-signed CA: do not rotate a CA whose owner is someone else.
     */
    public CertificateAuthority rotate(KeyAlgorithm algorithm, Duration lifetime, Clock clock) {
        Instant now = clock.instant();
        List<X509Certificate> kept = new ArrayList<>();
        addOnce(kept, certificate);
        chain.forEach(c -> addOnce(kept, c));
        previous.forEach(c -> addOnce(kept, c));
        kept.removeIf(c -> now.isAfter(c.getNotAfter().toInstant()));
        X500Name subject = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        return selfSigned(subject, algorithm, lifetime, clock, kept);
    }

    private static CertificateAuthority selfSigned(X500Name subject, KeyAlgorithm algorithm, Duration lifetime,
                                                   Clock clock, List<X509Certificate> previous) {
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(clock, "clock");
        if (lifetime == null || lifetime.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("CA lifetime must be at least one second, got " + lifetime);
        }
        Instant now = X509Support.seconds(clock.instant());
        KeyPair pair = algorithm.generate();
        X500Principal name = new X500Principal(encoded(subject));
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, X509Support.serial(),
                Date.from(now.minus(X509Support.BACKDATE)), Date.from(X509Support.seconds(now.plus(lifetime))),
                name, pair.getPublic());
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    X509Support.subjectKeyIdentifier(pair.getPublic()));
        } catch (CertIOException e) {
            throw new IllegalStateException("cannot encode CA extensions", e);
        }
        X509Certificate cert = X509Support.sign(builder, pair.getPrivate(), algorithm.signatureAlgorithm());
        return new CertificateAuthority(cert, pair.getPrivate(), List.of(), previous);
    }

    /** The newest previous certificates within {@link #MAX_PREVIOUS} and {@link #MAX_PREVIOUS_PEM_BYTES}. */
    private static List<X509Certificate> bounded(List<X509Certificate> previous) {
        List<X509Certificate> kept = new ArrayList<>();
        int bytes = 0;
        for (X509Certificate c : previous) {
            bytes += Pem.encode(c).length();
            if (kept.size() == MAX_PREVIOUS || bytes > MAX_PREVIOUS_PEM_BYTES) {
                break;
            }
            kept.add(c);
        }
        return List.copyOf(kept);
    }

    private static byte[] encoded(X500Name name) {
        try {
            return name.getEncoded();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot encode name", e);
        }
    }

    private static void addOnce(List<X509Certificate> list, X509Certificate cert) {
        byte[] der = X509Support.der(cert);
        for (X509Certificate c : list) {
            if (Arrays.equals(X509Support.der(c), der)) {
                return;
            }
        }
        list.add(cert);
    }

    @Override
    public String toString() {
        return "CertificateAuthority[" + CertificateFacts.describe(certificate) + ", notAfter "
                + certificate.getNotAfter().toInstant() + ", previous " + previous.size() + "]";
    }
}
