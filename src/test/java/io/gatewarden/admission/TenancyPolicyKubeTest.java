package io.gatewarden.admission;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.gatewarden.certificates.process.ManagedSecrets;
import io.gatewarden.cluster.Objects;
import io.gatewarden.kube.KubeApiServerResource;
import io.gatewarden.kube.KubeCluster;
import io.gatewarden.kube.Kubectl;
import io.gatewarden.pki.HostCoverage;
import io.gatewarden.pki.Pem;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two teams on one ingress gateway, through a real kube-apiserver and kubectl: host ownership
 * (first claim) and credential ownership from the watched policy ConfigMap, switched at run time,
 * and a malformed ConfigMap that leaves the last good policy in force.
 */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
class TenancyPolicyKubeTest {
    static final String WEBHOOK = "gatewarden-validate-tenancy";
    static final String POLICY = "gatewarden-policy";
    static final String HOST = "tenant-shop.example.com";
    static final String CREDENTIAL = "tenant-shop-tls";
    static KubeCluster cluster;
    static KubernetesClient client;

    @BeforeAll
    static void register() throws Exception {
        cluster = KubeCluster.get();
        client = cluster.client();
        cluster.ensureIngressGatewayFixture();
        cluster.ensureNamespace("tenant-a");
        cluster.ensureNamespace("tenant-b");
        cluster.registerValidatingWebhook(WEBHOOK, "https://127.0.0.1:8444/validate",
                Files.readAllBytes(Path.of("certs-test/ca.crt")), List.of("gateways", "virtualservices"));
    }

    @AfterAll
    static void unregister() {
        cluster.removeValidatingWebhook(WEBHOOK);
        client.configMaps().inNamespace("gatewarden").withName(POLICY).delete();
    }

    static void policy(Map<String, String> data) {
        client.configMaps().inNamespace("gatewarden").resource(new ConfigMapBuilder()
                .withNewMetadata().withName(POLICY).withNamespace("gatewarden").endMetadata()
                .withData(data).build()).createOr(c -> c.update());
    }

    static String gateway(String ns, String name, String host) {
        return ManagedSecrets.gatewayYaml(ns, name, CREDENTIAL, host);
    }

    static String route(String ns, String name) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: %s, namespace: %s}
                spec:
                  hosts: [%s]
                  gateways: [tenant-a/shop]
                  http:
                  - route:
                    - destination: {host: istio-ingressgateway.istio-system.svc.cluster.local}
                """.formatted(name, ns, HOST);
    }

    static List<String> dnsNames() {
        Secret s = client.secrets().inNamespace("istio-system").withName(CREDENTIAL).get();
        try {
            return s == null ? List.of() : HostCoverage.dnsNames(Pem.certificates(Objects.secret(s).value("tls.crt")).get(0));
        } catch (io.gatewarden.pki.PemException e) {
            throw new AssertionError("secret istio-system/" + CREDENTIAL + " does not hold a certificate", e);
        }
    }

    static Secret awaitSecret(Predicate<List<String>> names) throws InterruptedException {
        for (int i = 0; i < 150; i++) {
            if (names.test(dnsNames())) {
                return client.secrets().inNamespace("istio-system").withName(CREDENTIAL).get();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("secret istio-system/" + CREDENTIAL + " never had the expected names: " + dnsNames());
    }

    /** Milliseconds until a server-side apply of {@code yaml}, dry run (it stores nothing), is admitted. */
    static long millisUntilAdmitted(String yaml, long since) throws InterruptedException {
        String last = "";
        while (System.nanoTime() - since < 15_000_000_000L) {
            try {
                client.resource(yaml).dryRun().fieldManager("tenancy-test").forceConflicts().serverSideApply();
                return (System.nanoTime() - since) / 1_000_000;
            } catch (KubernetesClientException denied) {
                last = denied.getMessage();
                Thread.sleep(20);
            }
        }
        throw new AssertionError("not admitted within 15 s (" + last + "): " + yaml);
    }

    static double metric(String name) {
        String metrics = RestAssured.given().baseUri("http://localhost:9001").get("/q/metrics").asString();
        return metrics.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void ownersKeepTheirHostAndCredentialUntilThePolicyIsSwitchedOff() throws Exception {
        policy(Map.of("host-ownership", "first-claim", "credential-ownership", "true"));
        cluster.apply(gateway("tenant-a", "shop", HOST));
        Kubectl.Result own = KubeCluster.until(() -> cluster.tryApply(route("tenant-a", "shop")), Kubectl.Result::ok);
        assertTrue(own.ok(), "the owner's route on its own Gateway: " + own.describe());
        Secret issued = awaitSecret(names -> names.equals(List.of(HOST)));

        // The policy reaches the service through its informer: wait for the first denial.
        Kubectl.Result hijack = KubeCluster.until(() -> cluster.tryApply(route("tenant-b", "steal")),
                r -> r.stderr().contains("POL801"));
        assertFalse(hijack.ok(), hijack.describe());
        assertTrue(hijack.stderr().contains("Gatewarden denied VirtualService tenant-b/steal: [POL801] spec.hosts[0]")
                && hijack.stderr().contains("host \"" + HOST + "\" is claimed for namespace tenant-b, but namespace "
                + "tenant-a claimed \"" + HOST + "\" first"), "names the owner: " + hijack.describe());
        assertFalse(cluster.kubectl("get", "virtualservices.networking.istio.io", "-n", "tenant-b", "steal").ok());

        Kubectl.Result reuse = cluster.tryApply(gateway("tenant-b", "steal", "tenant-steal.example.com"));
        assertFalse(reuse.ok(), reuse.describe());
        assertTrue(reuse.stderr().contains("[POL806] spec.servers[0].tls.credentialName")
                && reuse.stderr().contains("tenant-a"), "names the owner: " + reuse.describe());
        Thread.sleep(1_000);
        assertEquals(issued.getMetadata().getResourceVersion(), client.secrets().inNamespace("istio-system")
                .withName(CREDENTIAL).get().getMetadata().getResourceVersion(), "the owner's secret is not re-issued");

        // Host ownership off: tenant-b's route is admitted within a second of the ConfigMap change.
        long since = System.nanoTime();
        policy(Map.of("host-ownership", "off", "credential-ownership", "true"));
        long ms = millisUntilAdmitted(route("tenant-b", "steal"), since);
        System.out.println("policy change to admission: " + ms + " ms");
        assertTrue(ms <= 1_000, "admitted " + ms + " ms after the ConfigMap change");
        cluster.apply(route("tenant-b", "steal"));
        assertFalse(cluster.tryApply(gateway("tenant-b", "steal", "tenant-steal.example.com")).ok(),
                "credential ownership is still on");

        // Credential ownership off: tenant-b may share the secret, and its host is added (GW402 warns).
        policy(Map.of());
        millisUntilAdmitted(gateway("tenant-b", "steal", "tenant-steal.example.com"), System.nanoTime());
        Kubectl.Result shared = cluster.apply(gateway("tenant-b", "steal", "tenant-steal.example.com"));
        assertTrue(shared.stderr().contains("GW402"), shared.describe());
        awaitSecret(names -> names.equals(List.of(HOST, "tenant-steal.example.com")));

        // On again with tenant-b's Gateway stored: the certificate is kept to the owner's hosts.
        policy(Map.of("credential-ownership", "true"));
        Secret kept = awaitSecret(names -> names.equals(List.of(HOST)));
        assertEquals("Gateway.networking.istio.io/tenant-a/shop", kept.getMetadata().getAnnotations().get("gatewarden.io/for"));
        Kubectl.Result touch = cluster.kubectl("annotate", "gateways.networking.istio.io", "-n", "tenant-b", "steal",
                "touched=yes");
        assertFalse(touch.ok(), "an update of the foreign Gateway is denied: " + touch.describe());
        assertTrue(touch.stderr().contains("POL806"), touch.describe());
    }

    @Test
    void aMalformedPolicyIsReportedAndTheLastGoodOneStaysInForce() throws Exception {
        cluster.apply(gateway("tenant-a", "tls", "tenant-tls.example.com").replace(CREDENTIAL, "tenant-tls"));
        policy(Map.of("tls-min-version", "TLSV1_3"));
        String weak = gateway("tenant-a", "tls", "tenant-tls.example.com").replace(CREDENTIAL, "tenant-tls")
                .replace("mode: SIMPLE,", "mode: SIMPLE, minProtocolVersion: TLSV1_2,");
        Kubectl.Result floor = KubeCluster.until(() -> cluster.tryApply(weak), r -> r.stderr().contains("POL802"));
        assertTrue(floor.stderr().contains("[POL802] spec.servers[0].tls.minProtocolVersion"), floor.describe());
        double errorsBefore = metric("gatewarden_policy_errors_total");

        policy(Map.of("tls-min-version", "TLSV1.3"));
        Event event = null;
        for (int i = 0; i < 100 && event == null; i++) {
            event = client.v1().events().inNamespace("gatewarden").list().getItems().stream()
                    .filter(e -> "PolicyInvalid".equals(e.getReason()) && e.getMessage().contains("TLSV1.3"))
                    .findFirst().orElse(null);
            Thread.sleep(100);
        }
        assertTrue(event != null, "a Warning Event PolicyInvalid on the ConfigMap");
        assertEquals("Warning", event.getType());
        assertEquals(POLICY, event.getInvolvedObject().getName());
        assertTrue(event.getMessage().contains("ConfigMap gatewarden/gatewarden-policy: key tls-min-version: "
                + "\"TLSV1.3\" is not TLSV1_0, TLSV1_1, TLSV1_2, TLSV1_3 or off"), event.getMessage());
        assertEquals(0.0, metric("gatewarden_policy_valid"));
        assertEquals(errorsBefore + 1, metric("gatewarden_policy_errors_total"));
        Kubectl.Result still = cluster.tryApply(weak);
        assertTrue(still.stderr().contains("POL802"), "the last good policy stays in force: " + still.describe());

        policy(Map.of());
        millisUntilAdmitted(weak, System.nanoTime());
        assertEquals(1.0, metric("gatewarden_policy_valid"));
    }
}
