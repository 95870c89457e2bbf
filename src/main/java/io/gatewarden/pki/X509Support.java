package io.gatewarden.pki;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.EdECKey;
import java.security.interfaces.RSAKey;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * What building a certificate needs, shared by {@link CertificateAuthority} and
 * {@link CertificateIssuer}. Signing goes through the JDK's default providers (faster than
 * BouncyCastle's for ECDSA); BouncyCastle only assembles the DER. Everything here is thread-safe:
 * stateful JCA and BC objects are created per call.
 */
final class X509Support {

    /** How far notBefore is set back, so that clients whose clocks run a little behind accept a new certificate. */
    static final Duration BACKDATE = Duration.ofHours(1);

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int SERIAL_BYTES = 16;

    private X509Support() {
    }

    /** A random, positive, non-zero 128-bit serial number (RFC 5280 allows up to 20 octets). */
    static BigInteger serial() {
        byte[] bytes = new byte[SERIAL_BYTES];
        BigInteger serial;
        do {
            RANDOM.nextBytes(bytes);
            serial = new BigInteger(1, bytes);
        } while (serial.signum() == 0);
        return serial;
    }

    /** X.509 has whole seconds; truncating up front makes notBefore/notAfter exactly what was computed. */
    static Instant seconds(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS);
    }

    /** The signature a private key of this kind makes for certificates it signs. */
    static String signatureAlgorithm(PublicKey key) {
        if (key instanceof RSAKey) {
            return "SHA256withRSA";
        }
        if (key instanceof ECKey ec) {
            int bits = ec.getParams().getOrder().bitLength();
            return bits <= 256 ? "SHA256withECDSA" : bits <= 384 ? "SHA384withECDSA" : "SHA512withECDSA";
        }
        if (key instanceof EdECKey ed) {
            return ed.getParams().getName(); // "Ed25519" or "Ed448"
        }
        throw new IllegalArgumentException("unsupported CA key algorithm " + key.getAlgorithm()
                + " (use an RSA, ECDSA or Ed25519 key)");
    }

    static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key, String signatureAlgorithm) {
        ContentSigner signer;
        try {
            signer = new JcaContentSignerBuilder(signatureAlgorithm).build(key);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot sign with " + signatureAlgorithm, e);
        }
        X509CertificateHolder holder = builder.build(signer);
        try {
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK cannot read a certificate just built", e);
        }
    }

    /** The subjectKeyIdentifier extension's value when present, else RFC 5280's method 1 (SHA-1 of the key). */
    static byte[] subjectKeyId(X509Certificate cert) {
        byte[] id = subjectKeyIdExtension(cert);
        return id != null ? id : subjectKeyId(cert.getPublicKey());
    }

    /** The subjectKeyIdentifier extension's value, or null when absent or malformed. */
    static byte[] subjectKeyIdExtension(X509Certificate cert) {
        byte[] ext = cert.getExtensionValue("2.5.29.14");
        if (ext == null) {
            return null;
        }
        try {
            return SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(ext).getOctets()).getKeyIdentifier();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The authorityKeyIdentifier extension's keyIdentifier, or null when absent or malformed. */
    static byte[] authorityKeyId(X509Certificate cert) {
        byte[] ext = cert.getExtensionValue("2.5.29.35");
        if (ext == null) {
            return null;
        }
        try {
            return org.bouncycastle.asn1.x509.AuthorityKeyIdentifier.getInstance(
                    ASN1OctetString.getInstance(ext).getOctets()).getKeyIdentifier();
        } catch (RuntimeException e) {
            return null;
        }
    }

    static byte[] subjectKeyId(PublicKey key) {
        try {
            return new JcaX509ExtensionUtils().createSubjectKeyIdentifier(key).getKeyIdentifier();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-1 digest for the subject key identifier", e);
        }
    }

    static SubjectKeyIdentifier subjectKeyIdentifier(PublicKey key) {
        return new SubjectKeyIdentifier(subjectKeyId(key));
    }

    /** Lower-case hex SHA-256 of the DER encoding, without separators. */
    static String fingerprint(X509Certificate cert) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate cannot be encoded", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    static byte[] der(X509Certificate cert) {
        try {
            return cert.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate cannot be encoded", e);
        }
    }
}
