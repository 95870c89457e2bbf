package io.gatewarden.webhook;

import io.gatewarden.pki.CertificateFacts;
import io.gatewarden.pki.KeyMatch;
import io.gatewarden.pki.Pem;
import io.gatewarden.pki.PemException;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * A serving certificate as the HTTPS server uses it: tls.crt (leaf then chain) and tls.key as PEM, checked
 * once when read. {@code source} says where it came from, for readiness and logs; {@link #toString()}
 * never shows the key.
 */
public record ServingMaterial(byte[] certificatePem, byte[] keyPem, List<X509Certificate> chain, PrivateKey key,
                              String source) {

    /**
     * Parses and checks tls.crt and tls.key: both PEM, the key belongs to the leaf, the leaf valid at {@code now}.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static ServingMaterial of(byte[] certificatePem, byte[] keyPem, String source, Instant now) {
        if (certificatePem == null || keyPem == null) {
            throw new IllegalArgumentException(source + " lacks tls.crt or tls.key");
        }
        List<X509Certificate> chain;
        PrivateKey key;
        try {
            chain = Pem.certificates(certificatePem);
            key = Pem.privateKey(keyPem);
        } catch (PemException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
        X509Certificate leaf = chain.get(0);
        if (!KeyMatch.matches(leaf, key)) {
            throw new IllegalArgumentException(source + ": tls.key does not belong to the certificate in tls.crt");
        }
        if (now.isAfter(leaf.getNotAfter().toInstant()) || now.isBefore(leaf.getNotBefore().toInstant())) {
            throw new IllegalArgumentException(source + ": the certificate is not valid now (" + leaf.getNotBefore()
                    .toInstant() + " .. " + leaf.getNotAfter().toInstant() + ")");
        }
        return new ServingMaterial(certificatePem.clone(), keyPem.clone(), List.copyOf(chain), key, source);
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    /** Unique per certificate: the key manager's alias. */
    String alias() {
        return leaf().getSerialNumber().toString(16);
    }

    @Override
    public String toString() {
        return CertificateFacts.describe(leaf()) + ", notAfter " + leaf().getNotAfter().toInstant() + ", from " + source;
    }
}
