package io.gatewarden.kube;

import io.gatewarden.pki.CertificateAuthority;
import io.gatewarden.pki.KeyAlgorithm;
import io.gatewarden.pki.Pem;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.security.auth.x500.X500Principal;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

/**
 * Kubeconfigs authenticating with a client certificate from {@link KubeCluster#clientCa()}, the key written
 * in each form kubectl accepts, as openssl writes them.
 */
public final class ClientKeyKubeconfig {
    /** RSA or EC; PKCS#1 / SEC1 ("traditional", openssl 1.x) or PKCS#8 ("PRIVATE KEY", openssl 3's default). */
    public enum Form {
        RSA_PKCS1(KeyAlgorithm.RSA_2048), RSA_PKCS8(KeyAlgorithm.RSA_2048), EC_SEC1(KeyAlgorithm.EC_P256),
        EC_SEC1_AFTER_PARAMETERS(KeyAlgorithm.EC_P256), EC_PKCS8(KeyAlgorithm.EC_P256), EC_P384_PKCS8(KeyAlgorithm.EC_P384);

        final KeyAlgorithm algorithm;

        Form(KeyAlgorithm algorithm) {
            this.algorithm = algorithm;
        }

        String pem(PrivateKey key) throws Exception {
            if (name().endsWith("PKCS8")) {
                return Pem.encode(key);
            }
            // SEC1 names its curve inside; BouncyCastle's encoding of the key keeps it there (the JDK's does not).
            PrivateKey traditional = KeyFactory.getInstance(key.getAlgorithm(), new BouncyCastleProvider())
                    .generatePrivate(new PKCS8EncodedKeySpec(key.getEncoded()));
            StringWriter out = new StringWriter();
            try (JcaPEMWriter w = new JcaPEMWriter(out)) {
                w.writeObject(traditional);
            }
            // `openssl ecparam -genkey` puts the curve first, in a block of its own: kubectl skips it.
            return this == EC_SEC1_AFTER_PARAMETERS
                    ? "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + out : out.toString();
        }
    }

    private ClientKeyKubeconfig() {
    }

    /** A kubeconfig for a new certificate of {@code user} in group {@code group}, its key written in {@code form}. */
    public static String yaml(KubeCluster cluster, Form form, String user, String group) throws Exception {
        CertificateAuthority ca = cluster.clientCa();
        KeyPair pair = form.algorithm.generate();
        Instant now = Instant.now();
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
                ca.certificate(), BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minusSeconds(60)),
                Date.from(now.plusSeconds(7200)), new X500Principal("CN=" + user + ", O=" + group), pair.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.key())));
        return cluster.kubeconfig(user, "{client-certificate-data: " + b64(Pem.encode(cert)) + ", client-key-data: "
                + b64(form.pem(pair.getPrivate())) + "}");
    }

    static String b64(String pem) {
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    }
}
