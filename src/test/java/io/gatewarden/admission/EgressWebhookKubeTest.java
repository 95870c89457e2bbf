package io.gatewarden.admission;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.gatewarden.cluster.Objects;
import io.gatewarden.cluster.SecretData;
import io.gatewarden.kube.KubeApiServerResource;
import io.gatewarden.kube.KubeCluster;
import io.gatewarden.kube.Kubectl;
import io.gatewarden.pki.HostCoverage;
import io.gatewarden.pki.KeyMatch;
import io.gatewarden.pki.Pem;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Egress through a real kube-apiserver: ServiceEntry, DestinationRule and Sidecar admission,
 * the watched allow-list ConfigMap, and client certificates provisioned for TLS origination in
 * the egress gateway's namespace.
 */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
class EgressWebhookKubeTest {
    static final String WEBHOOK = "gatewarden-validate-egress";
    static final String SERVICES_WEBHOOK = "gatewarden-validate-services";
    static final String EGRESS_NS = KubeCluster.EGRESS_NAMESPACE;
    static final String POLICY = "gatewarden-egress-policy";
    static KubeCluster cluster;
    static KubernetesClient client;

    @BeforeAll
    static void register() throws Exception {
        cluster = KubeCluster.get();
        client = cluster.client();
        cluster.ensureEgressGatewayFixture();
        cluster.ensureNamespace("egress-apps");
        cluster.registerValidatingWebhook(WEBHOOK, "https://127.0.0.1:8444/validate",
                Files.readAllBytes(Path.of("certs-test/ca.crt")),
                List.of("serviceentries", "destinationrules", "sidecars"));
        Kubectl.Result r = KubeCluster.until(() -> cluster.tryApply(origination("eg-probe", "SIMPLE", "eg-probe-ca", true)),
                res -> res.stderr().contains("EG609"));
        assertTrue(r.stderr().contains("EG609"), "webhook never became active: " + r.describe());
    }

    @AfterAll
    static void unregister() {
        cluster.removeValidatingWebhook(WEBHOOK);
        cluster.removeValidatingWebhook(SERVICES_WEBHOOK);
        client.configMaps().inNamespace("gatewarden").withName(POLICY).delete();
    }

    static String origination(String name, String mode, String credential, boolean workloadSelector) {
        String ns = workloadSelector ? EGRESS_NS : "egress-apps";
        return """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: %s, namespace: %s}
                spec:
                  host: %s.partner.example.com
                  %s
                  trafficPolicy:
                    portLevelSettings:
                    - port: {number: 443}
                      tls: {mode: %s, credentialName: %s, sni: %s.partner.example.com}
                """.formatted(name, ns, name, workloadSelector ? "workloadSelector: {matchLabels: {istio: egressgateway}}" : "",
                mode, credential, name);
    }

    static String serviceEntry(String name, String host, String resolution) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s, namespace: egress-apps}
                spec:
                  hosts: ["%s"]
                  location: MESH_EXTERNAL
                  ports:
                  - {number: 443, name: https, protocol: HTTPS}
                  resolution: %s
                """.formatted(name, host, resolution);
    }

    @Test
    void wildcardDnsServiceEntryIsDenied() {
        Kubectl.Result r = cluster.tryApply(serviceEntry("eg-wild", "*.wild.example.com", "DNS"));
        assertFalse(r.ok(), r.describe());
        assertTrue(r.stderr().contains("ServiceEntry egress-apps/eg-wild") && r.stderr().contains("[EG604] spec.resolution"),
                r.describe());
        assertTrue(cluster.kubectl("get", "serviceentries.networking.istio.io", "-n", "egress-apps", "eg-wild")
                .stderr().contains("NotFound"), "nothing stored");
    }

    @Test
    void mutualOriginationGetsItsClientSecretInTheEgressGatewayNamespace() throws Exception {
        cluster.apply("""
                apiVersion: v1
                kind: Secret
                metadata: {name: eg-client-cacert, namespace: %s}
                data: {ca.crt: %s}
                """.formatted(EGRESS_NS, Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of("certs-test/ca.crt")))));
        long start = System.currentTimeMillis();
        Kubectl.Result r = cluster.apply(origination("eg-mtls", "MUTUAL", "eg-client", true));
        assertTrue(r.stderr().contains("[EG609] (info)") && r.stderr().contains("Gatewarden will provision it"),
                "CA present: only the note that the client certificate is provisioned; " + r.describe());

        Secret s = awaitSecret(EGRESS_NS, "eg-client", 5_000);
        long ms = System.currentTimeMillis() - start;
        assertTrue(ms <= 5_000, "took " + ms + " ms");
        SecretData d = Objects.secret(s);
        assertEquals("kubernetes.io/tls", s.getType());
        assertEquals("true", s.getMetadata().getLabels().get("gatewarden.io/managed"));
        X509Certificate leaf = Pem.certificates(d.value("tls.crt")).get(0);
        SecretData ca = Objects.secret(client.secrets().inNamespace("gatewarden").withName("gatewarden-ca").get());
        leaf.verify(Pem.certificates(ca.value("tls.crt")).get(0).getPublicKey());
        assertTrue(KeyMatch.matches(leaf, Pem.privateKey(d.value("tls.key"))), "tls.key matches tls.crt");
        assertEquals(List.of("1.3.6.1.5.5.7.3.2"), leaf.getExtendedKeyUsage(), "client authentication only");
        assertEquals(List.of("eg-client." + EGRESS_NS), HostCoverage.dnsNames(leaf));
        assertNull(d.value("ca.crt"), "no ca.crt: Istio would verify the external server against it");
        Map<String, String> a = s.getMetadata().getAnnotations();
        assertEquals("DestinationRule.networking.istio.io/" + EGRESS_NS + "/eg-mtls", a.get("gatewarden.io/for"));
        assertNull(client.secrets().inNamespace("egress-apps").withName("eg-client").get());

        // A valid client secret is left alone: a change that triggers a reconcile re-issues nothing.
        cluster.kubectl("annotate", "destinationrules.networking.istio.io", "-n", EGRESS_NS, "eg-mtls", "touched=yes")
                .assertOk();
        Thread.sleep(2_000);
        assertEquals(s.getMetadata().getResourceVersion(),
                client.secrets().inNamespace(EGRESS_NS).withName("eg-client").get().getMetadata().getResourceVersion());
    }

    @Test
    void port443DeclaredHttpWarnsTheServiceOwnerThatTheWholeMeshIsAffected() throws Exception {
        cluster.registerServiceWebhook(SERVICES_WEBHOOK, "https://127.0.0.1:8444/validate",
                Files.readAllBytes(Path.of("certs-test/ca.crt")));
        String service = """
                apiVersion: v1
                kind: Service
                metadata: {name: %s, namespace: egress-apps}
                spec:
                  selector: {app: legacy}
                  ports:
                  - {name: %s, port: 443, targetPort: 8080}
                """;
        String legacy = service.formatted("eg613-legacy", "http-legacy");
        // A server-side dry-run create is sent every time (an unchanged apply may not be): wait for the webhook.
        Kubectl.Result probe = KubeCluster.until(() -> cluster.kubectlWithStdin(legacy, "create", "--dry-run=server",
                "-f", "-"), res -> res.stderr().contains("EG613"));
        assertTrue(probe.stderr().contains("EG613"), "webhook never became active: " + probe.describe());
        Kubectl.Result r = cluster.apply(legacy);
        assertTrue(r.ok() && r.stderr().contains("Warning: [EG613] spec.ports[0].name:")
                && r.stderr().contains("declares port 443 as http"), r.describe());
        assertTrue(client.services().inNamespace("egress-apps").withName("eg613-legacy").get() != null,
                "a warning never keeps the Service out");
        Kubectl.Result tls = cluster.apply(service.formatted("eg613-tls", "https-legacy"));
        assertTrue(tls.ok() && !tls.stderr().contains("EG613"), tls.describe());
        Kubectl.Result serviceEntry = cluster.apply("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: eg613-partner, namespace: egress-apps}
                spec:
                  hosts: [api.partner.example.com]
                  location: MESH_EXTERNAL
                  resolution: DNS
                  ports:
                  - {number: 443, name: http, protocol: HTTP}
                """);
        assertTrue(serviceEntry.ok() && serviceEntry.stderr().contains("[EG613] spec.ports[0].protocol:"),
                serviceEntry.describe());
    }

    @Test
    void credentialNameWithoutWorkloadSelectorWarnsThatSidecarsIgnoreIt() {
        Kubectl.Result r = cluster.apply(origination("eg-nosel", "SIMPLE", "eg-nosel-ca", false));
        assertTrue(r.stderr().contains("Warning:") && r.stderr().contains("EG608")
                && r.stderr().contains("spec.trafficPolicy.portLevelSettings[0].tls.credentialName"), r.describe());
        assertTrue(client.secrets().inNamespace("egress-apps").withName("eg-nosel-ca").get() == null,
                "nothing provisioned without a workloadSelector");
    }

    @Test
    void allowListFromTheWatchedConfigMapDeniesOtherHostsWithTheList() {
        client.configMaps().inNamespace("gatewarden").resource(new ConfigMapBuilder()
                .withNewMetadata().withName(POLICY).withNamespace("gatewarden").endMetadata()
                .withData(Map.of("allowed-hosts", "api.partner.example.com  # the payment partner\n*.example.org"))
                .build()).serverSideApply();
        try {
            Kubectl.Result denied = KubeCluster.until(() -> cluster.tryApply(serviceEntry("eg-evil", "api.evil.example.net", "DNS")),
                    res -> res.stderr().contains("POL804"));
            assertFalse(denied.ok(), denied.describe());
            assertTrue(denied.stderr().contains("api.evil.example.net") && denied.stderr().contains("api.partner.example.com")
                    && denied.stderr().contains("*.example.org"), "the message lists the allow-list: " + denied.describe());
            cluster.apply(serviceEntry("eg-partner", "api.partner.example.com", "DNS"));
        } finally {
            client.configMaps().inNamespace("gatewarden").withName(POLICY).delete();
        }
        // The watch sees the ConfigMap go: the same host is admitted again.
        Kubectl.Result admitted = KubeCluster.until(() -> cluster.tryApply(serviceEntry("eg-evil", "api.evil.example.net", "DNS")),
                Kubectl.Result::ok);
        assertTrue(admitted.ok(), admitted.describe());
    }

    static Secret awaitSecret(String ns, String name, long millis) throws InterruptedException {
        Secret s = cluster.awaitSecret(ns, name, millis);
        if (s == null) {
            throw new AssertionError("secret " + ns + "/" + name + " not created within " + millis + " ms");
        }
        return s;
    }
}
