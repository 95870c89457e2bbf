package io.gatewarden.cluster;

import io.fabric8.kubernetes.client.Config;
import io.gatewarden.pki.Pem;
import io.gatewarden.pki.PemException;
import io.quarkus.kubernetes.client.KubernetesConfigCustomizer;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.Base64;

/**
 * Makes the client accept every client key kubectl accepts: RSA or EC, in PKCS#1, SEC1 or PKCS#8, with
 * other PEM blocks around it (openssl's EC PARAMETERS). fabric8 takes the key's algorithm from the PEM
 * header, so it reads an EC key in PKCS#8 ({@code BEGIN PRIVATE KEY}, what openssl 3 writes) as RSA and
 * fails at start with "Invalid DER: object is not integer"; and it reads only the first PEM block. The key
 * is read here instead (BouncyCastle, see {@link Pem#privateKey}) and handed over as PKCS#8 with its
 * algorithm named, which fabric8 loads with the JDK's KeyFactory.
 */
@Singleton
public class KubeconfigClientKey implements KubernetesConfigCustomizer {

    @Override
    public void customize(Config config) {
        normalize(config);
    }

    /** Rewrites the config's client key as PKCS#8 data with its algorithm; no client key: unchanged. */
    public static void normalize(Config config) {
        byte[] pem = read(config.getClientKeyData(), config.getClientKeyFile());
        if (pem == null) {
            return;
        }
        PrivateKey key;
        try {
            key = Pem.privateKey(pem);
        } catch (PemException e) {
            throw new IllegalStateException("the kubeconfig's client key cannot be used: " + e.getMessage()
                    + " (kubectl takes an unencrypted RSA or EC key, PKCS#1, SEC1 or PKCS#8)", e);
        }
        config.setClientKeyData(Base64.getEncoder().encodeToString(Pem.encode(key).getBytes(StandardCharsets.US_ASCII)));
        config.setClientKeyFile(null);
        // BouncyCastle names EC keys "ECDSA"; fabric8 knows "EC" and "RSA".
        config.setClientKeyAlgo("ECDSA".equals(key.getAlgorithm()) ? "EC" : key.getAlgorithm());
    }

    /** The PEM of the key: kubeconfig data is base64 (fabric8 also takes it raw), a file is read. */
    private static byte[] read(String data, String file) {
        if (data != null && !data.isBlank()) {
            try {
                return Base64.getDecoder().decode(data.strip());
            } catch (IllegalArgumentException notBase64) {
                return data.getBytes(StandardCharsets.US_ASCII);
            }
        }
        if (file != null && !file.isBlank()) {
            try {
                return Files.readAllBytes(Path.of(file));
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the kubeconfig's client key " + file + ": " + e.getMessage(), e);
            }
        }
        return null;
    }
}
