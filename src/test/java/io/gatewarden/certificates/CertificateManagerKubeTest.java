package io.gatewarden.certificates;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.gatewarden.cluster.Objects;
import io.gatewarden.cluster.SecretData;
import io.gatewarden.kube.KubeApiServerResource;
import io.gatewarden.kube.KubeCluster;
import io.gatewarden.pki.HostCoverage;
import io.gatewarden.pki.KeyMatch;
import io.gatewarden.pki.Pem;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The certificate manager against a real API server: every credentialName resolves, in the
 * namespace where the gateway pods run, and nothing of the user's is touched.
 */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
class CertificateManagerKubeTest {
    static final String WORKLOAD_NS = KubeCluster.INGRESS_NAMESPACE;
    static KubeCluster cluster;
    static KubernetesClient client;

    @BeforeAll
    static void fixture() {
        cluster = KubeCluster.get();
        client = cluster.client();
        cluster.ensureIngressGatewayFixture();
        cluster.ensureNamespace("certs");
        try {
            cluster.registerValidatingWebhook("gatewarden-validate-certs", "https://127.0.0.1:8444/validate",
                    Files.readAllBytes(Path.of("certs-test/ca.crt")), List.of("gateways", "virtualservices"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String gateway(String name, String credential, String... hosts) {
        return """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: %s, namespace: certs}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: 443, name: https, protocol: HTTPS}
                    hosts: [%s]
                    tls: {mode: SIMPLE, credentialName: %s}
                """.formatted(name, String.join(", ", hosts), credential);
    }

    /** Polls the API (not Gatewarden's cache) until the secret satisfies the condition, or the deadline. */
    static Secret await(String name, long millis, Predicate<Secret> condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        Secret s;
        do {
            s = client.secrets().inNamespace(WORKLOAD_NS).withName(name).get();
            if (s != null && condition.test(s)) {
                return s;
            }
            Thread.sleep(50);
        } while (System.currentTimeMillis() < deadline);
        throw new AssertionError("secret " + WORKLOAD_NS + "/" + name + " did not reach the expected state within "
                + millis + " ms; last: " + (s == null ? "absent" : s.getMetadata()));
    }

    /** The certificate is CA-signed, covers every host, and its key matches: what Istio needs. */
    static X509Certificate assertUsable(Secret s, List<String> hosts) throws Exception {
        SecretData d = Objects.secret(s);
        assertEquals("kubernetes.io/tls", s.getType());
        assertEquals("true", s.getMetadata().getLabels().get("gatewarden.io/managed"));
        List<X509Certificate> chain = Pem.certificates(d.value("tls.crt"));
        X509Certificate leaf = chain.get(0);
        X509Certificate ca = Pem.certificates(d.value("ca.crt")).get(0);
        leaf.verify(ca.getPublicKey());
        SecretData caSecret = Objects.secret(client.secrets().inNamespace("gatewarden").withName("gatewarden-ca").get());
        assertEquals(Pem.certificates(caSecret.value("tls.crt")).get(0), ca, "ca.crt is Gatewarden's issuing CA");
        assertTrue(KeyMatch.matches(leaf, Pem.privateKey(d.value("tls.key"))), "tls.key matches tls.crt");
        for (String h : hosts) {
            assertTrue(HostCoverage.covers(HostCoverage.dnsNames(leaf), h), h + " not covered by " + HostCoverage.dnsNames(leaf));
        }
        Map<String, String> a = s.getMetadata().getAnnotations();
        assertEquals("Gateway.networking.istio.io/certs/" + a.get("gatewarden.io/for").split("/")[2], a.get("gatewarden.io/for"));
        assertNotNull(a.get("gatewarden.io/not-after"));
        assertNotNull(a.get("gatewarden.io/issuer"));
        return leaf;
    }

    static boolean covers(Secret s, String host) {
        try {
            X509Certificate leaf = Pem.certificates(Objects.secret(s).value("tls.crt")).get(0);
            return HostCoverage.covers(HostCoverage.dnsNames(leaf), host);
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void seedGatewayGetsItsSecretInTheWorkloadNamespaceWithinFiveSeconds() throws Exception {
        long start = System.currentTimeMillis();
        cluster.apply(gateway("cm-my-gateway", "cm-my-tls-secret", "cm-myapp.example.com"));
        Secret s = await("cm-my-tls-secret", 5_000, x -> true);
        long ms = System.currentTimeMillis() - start;
        assertUsable(s, List.of("cm-myapp.example.com"));
        assertTrue(ms <= 5_000, "took " + ms + " ms");
        assertEquals(null, client.secrets().inNamespace("certs").withName("cm-my-tls-secret").get(),
                "nothing is created in the Gateway's own namespace, which Istio does not read");
    }

    @Test
    void changedHostsAreReissuedAndDeletedSecretComesBack() throws Exception {
        cluster.apply(gateway("cm-shop", "cm-shop-tls", "cm-shop.example.com"));
        X509Certificate first = assertUsable(await("cm-shop-tls", 5_000, x -> true), List.of("cm-shop.example.com"));

        cluster.apply(gateway("cm-shop", "cm-shop-tls", "cm-shop.example.com", "www.cm-shop.example.com"));
        Secret renewed = await("cm-shop-tls", 5_000, x -> covers(x, "www.cm-shop.example.com"));
        X509Certificate second = assertUsable(renewed, List.of("cm-shop.example.com", "www.cm-shop.example.com"));
        assertNotEquals(first.getSerialNumber(), second.getSerialNumber());

        client.secrets().inNamespace(WORKLOAD_NS).withName("cm-shop-tls").delete();
        long start = System.currentTimeMillis();
        Secret back = await("cm-shop-tls", 5_000, x -> !x.getMetadata().getUid().equals(renewed.getMetadata().getUid()));
        assertUsable(back, List.of("cm-shop.example.com", "www.cm-shop.example.com"));
        assertTrue(System.currentTimeMillis() - start <= 5_000);
    }

    @Test
    void unmanagedSecretOfThatNameIsLeftByteForByte() throws Exception {
        String wrong = """
                apiVersion: v1
                kind: Secret
                metadata: {name: cm-user-tls, namespace: istio-system}
                type: kubernetes.io/tls
                data:
                  tls.crt: %s
                  tls.key: %s
                """.formatted(b64("wrongsan.crt"), b64("wrongsan.key"));
        cluster.apply(wrong);
        Secret before = client.secrets().inNamespace(WORKLOAD_NS).withName("cm-user-tls").get();
        // Admission reports the user's broken certificate instead of replacing it.
        var applied = cluster.kubectlWithStdin(gateway("cm-user", "cm-user-tls", "cm-user.example.com"), "apply", "-f", "-");
        for (int i = 0; i < 50 && !applied.stderr().contains("GW308"); i++) { // webhook registration propagates
            Thread.sleep(200);
            applied = cluster.kubectlWithStdin(gateway("cm-user", "cm-user-tls", "cm-user.example.com"), "apply", "-f", "-");
        }
        assertTrue(applied.ok(), applied.describe());
        assertTrue(applied.stderr().contains("Warning: [GW308]") && applied.stderr().contains("cm-user.example.com"),
                applied.describe());
        // Give the manager several passes (events + sweep) to misbehave.
        cluster.apply(gateway("cm-user", "cm-user-tls", "cm-user.example.com", "cm-user2.example.com"));
        Thread.sleep(3_000);
        Secret after = client.secrets().inNamespace(WORKLOAD_NS).withName("cm-user-tls").get();
        assertEquals(before.getMetadata().getResourceVersion(), after.getMetadata().getResourceVersion());
        assertEquals(before.getData(), after.getData());
        assertEquals(before.getMetadata().getLabels(), after.getMetadata().getLabels());
    }

    static String b64(String file) throws Exception {
        return Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of("certs-test", file)));
    }
}
