package io.gatewarden.pki;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A newly issued leaf certificate with its private key and the certificates a server sends after
 * it (the issuing CA, then anything above it). {@link #toString()} never shows the key.
 */
public record IssuedCertificate(X509Certificate certificate, PrivateKey key, List<X509Certificate> chain) {

    public IssuedCertificate {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(key, "key");
        chain = chain == null ? List.of() : List.copyOf(chain);
    }

    /** tls.crt: the leaf first, then the chain, as PEM. */
    public String certificatePem() {
        X509Certificate[] all = new X509Certificate[chain.size() + 1];
        all[0] = certificate;
        for (int i = 0; i < chain.size(); i++) {
            all[i + 1] = chain.get(i);
        }
        return Pem.encode(all);
    }

    /** tls.key: the private key as unencrypted PKCS#8 PEM ("PRIVATE KEY"). */
    public String keyPem() {
        return Pem.encode(key);
    }

    public Instant notAfter() {
        return certificate.getNotAfter().toInstant();
    }

    @Override
    public String toString() {
        return "IssuedCertificate[" + CertificateFacts.describe(certificate) + ", notAfter " + notAfter()
                + ", chain " + chain.size() + "]";
    }
}
