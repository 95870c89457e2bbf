package io.gatewarden.cluster;

import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.gatewarden.kube.ClientKeyKubeconfig;
import io.gatewarden.kube.ClientKeyKubeconfig.Form;
import io.gatewarden.kube.KubeCluster;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Client keys in every form kubectl accepts, in a real kubeconfig, against the real API server: the client
 * built as Quarkus builds it (Config from the kubeconfig, then {@link KubeconfigClientKey}) must authenticate
 * as its certificate, which the API server says (SelfSubjectReview). The process-level case, the packaged
 * app started with an EC PKCS#8 key, is EcClientKeyIT.
 */
class KubeconfigClientKeyKubeTest {
    static KubeCluster cluster;

    @BeforeAll
    static void cluster() {
        cluster = KubeCluster.get();
    }

    /** Who the API server says the client is. */
    static UserInfo whoAmI(Config config) {
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
            return client.resource(new SelfSubjectReview()).create().getStatus().getUserInfo();
        }
    }

    @ParameterizedTest
    @EnumSource(Form.class)
    void everyKeyFormKubectlAcceptsAuthenticates(Form form) throws Exception {
        String user = "key-" + form.name().toLowerCase(Locale.ROOT).replace('_', '-');
        Config config = Config.fromKubeconfig(ClientKeyKubeconfig.yaml(cluster, form, user, "gatewarden-tests"));
        KubeconfigClientKey.normalize(config);
        UserInfo who = whoAmI(config);
        assertEquals(user, who.getUsername(), form + ": the request carried that client certificate");
        assertTrue(who.getGroups().contains("gatewarden-tests"), who.toString());
    }

    /** The defect as users met it: fabric8 alone takes an EC key in PKCS#8 for RSA. */
    @Test
    void withoutItAnEcKeyInPkcs8FailsAsReported() throws Exception {
        Config config = Config.fromKubeconfig(ClientKeyKubeconfig.yaml(cluster, Form.EC_PKCS8, "unfixed", "g"));
        Exception e = assertThrows(Exception.class, () -> whoAmI(config));
        StringBuilder chain = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            chain.append(t.getMessage()).append(" / ");
        }
        assertTrue(chain.toString().contains("Invalid DER: object is not integer"), chain.toString());
    }

    /** A key kubectl refuses too gets a clear message, not a stack of DER errors. */
    @Test
    void anEncryptedKeyIsRefusedWithAClearMessage() throws Exception {
        Config config = Config.fromKubeconfig(ClientKeyKubeconfig.yaml(cluster, Form.EC_PKCS8, "encrypted", "g"));
        config.setClientKeyData(Base64.getEncoder().encodeToString(
                Files.readString(Path.of("certs-test", "encrypted.key")).getBytes(StandardCharsets.US_ASCII)));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> KubeconfigClientKey.normalize(config));
        assertTrue(e.getMessage().startsWith("the kubeconfig's client key cannot be used: private key is encrypted"),
                e.getMessage());
    }
}
