package io.gatewarden.pki;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/**
 * Issues leaf certificates signed by a {@link CertificateAuthority}. Stateless and thread-safe:
 * one instance can serve every reconciliation at once.
 *
 * <p>The leaf: a random positive 128-bit serial; subject CN = the first DNS name (cut to 64
 * characters, the X.520 limit; clients ignore the CN anyway); SAN with every DNS name; keyUsage
 * digitalSignature (+ keyEncipherment for RSA keys), critical; extendedKeyUsage serverAuth and/or
 * clientAuth; basicConstraints CA:FALSE, critical; authorityKeyIdentifier = the CA's subject key
 * identifier; notBefore = now − 1 h (clock skew), notAfter = now + lifetime, but never after the
 * CA's own notAfter (a leaf outliving its CA would not verify anyway; cert-manager caps the same way).
 */
public final class CertificateIssuer {

    /** How far notBefore is set back from the issuing moment. */
    public static final Duration BACKDATE = X509Support.BACKDATE;

    private static final int MAX_COMMON_NAME = 64;

    /**
     * @throws IllegalStateException when the CA has expired at the clock's now: rotate it first
     */
    public IssuedCertificate issue(LeafRequest request, CertificateAuthority ca, Clock clock) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(ca, "ca");
        Instant now = X509Support.seconds(clock.instant());
        X509Certificate caCert = ca.certificate();
        Instant caNotAfter = caCert.getNotAfter().toInstant();
        if (!now.isBefore(caNotAfter)) {
            throw new IllegalStateException("CA " + CertificateFacts.describe(caCert) + " expired at " + caNotAfter
                    + "; rotate the CA before issuing");
        }
        Instant notAfter = X509Support.seconds(now.plus(request.lifetime()));
        if (notAfter.isAfter(caNotAfter)) {
            notAfter = caNotAfter;
        }

        KeyPair pair = request.algorithm().generate();
        List<String> names = request.dnsNames();
        String cn = names.get(0).length() > MAX_COMMON_NAME ? names.get(0).substring(0, MAX_COMMON_NAME) : names.get(0);
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, cn).build();
        X500Name issuer = X500Name.getInstance(caCert.getSubjectX500Principal().getEncoded());

        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, X509Support.serial(),
                Date.from(now.minus(BACKDATE)), Date.from(notAfter), subject, pair.getPublic());
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            int usage = KeyUsage.digitalSignature | (request.algorithm().isRsa() ? KeyUsage.keyEncipherment : 0);
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
            builder.addExtension(Extension.extendedKeyUsage, false, extendedKeyUsage(request));
            builder.addExtension(Extension.subjectAlternativeName, false, sans(names));
            builder.addExtension(Extension.authorityKeyIdentifier, false, new AuthorityKeyIdentifier(ca.subjectKeyId()));
        } catch (CertIOException e) {
            throw new IllegalStateException("cannot encode certificate extensions", e);
        }
        X509Certificate leaf = X509Support.sign(builder, ca.key(), ca.signatureAlgorithm());

        List<X509Certificate> chain = new ArrayList<>();
        chain.add(caCert);
        chain.addAll(ca.chain());
        return new IssuedCertificate(leaf, pair.getPrivate(), chain);
    }

    private static ExtendedKeyUsage extendedKeyUsage(LeafRequest request) {
        List<KeyPurposeId> purposes = new ArrayList<>(2);
        if (request.serverAuth()) {
            purposes.add(KeyPurposeId.id_kp_serverAuth);
        }
        if (request.clientAuth()) {
            purposes.add(KeyPurposeId.id_kp_clientAuth);
        }
        return new ExtendedKeyUsage(purposes.toArray(KeyPurposeId[]::new));
    }

    private static GeneralNames sans(List<String> names) {
        GeneralName[] out = new GeneralName[names.size()];
        for (int i = 0; i < names.size(); i++) {
            out[i] = new GeneralName(GeneralName.dNSName, names.get(i));
        }
        return new GeneralNames(out);
    }
}
