package io.gatewarden.admission;

import io.gatewarden.kube.KubeApiServerResource;
import io.gatewarden.kube.KubeCluster;
import io.gatewarden.kube.Kubectl;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The validating webhook as users meet it: a real kube-apiserver calls Gatewarden by URL and
 * {@code kubectl apply} prints the verdict.
 */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
class ValidatingWebhookKubeTest {
    static final String WEBHOOK = "gatewarden-validate-test";
    static KubeCluster cluster;

    @BeforeAll
    static void register() throws Exception {
        cluster = KubeCluster.get();
        cluster.ensureIngressGatewayFixture();
        for (String ns : List.of("shop", "bad", "warn", "dry", "routes")) {
            cluster.ensureNamespace(ns);
        }
        cluster.registerValidatingWebhook(WEBHOOK, "https://127.0.0.1:8444/validate",
                Files.readAllBytes(Path.of("certs-test/ca.crt")), List.of("gateways", "virtualservices"));
        // The API server picks webhook configurations up through an informer: wait until it calls us.
        Kubectl.Result r = KubeCluster.until(() -> apply(gateway("bad", "probe", 70000, "SIMPLE", "probe-tls")),
                res -> res.stderr().contains("GW104"));
        assertTrue(r.stderr().contains("GW104"), "webhook never became active: " + r.describe());
    }

    static Kubectl.Result apply(String yaml, String... extra) {
        return cluster.tryApply(yaml, extra);
    }


    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Each Gateway serves {@code <name>.example.com}, so tests never conflict with each other (GW401). */
    static String gateway(String ns, String name, int port, String mode, String credential) {
        return """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  selector:
                    istio: ingressgateway
                  servers:
                  - port: {number: %d, name: https, protocol: HTTPS}
                    hosts: [%s.example.com]
                    tls:
                      %s
                      credentialName: %s
                """.formatted(name, ns, port, name, mode == null ? "" : "mode: " + mode, credential);
    }

    static String secret(String ns, String name) throws Exception {
        return """
                apiVersion: v1
                kind: Secret
                metadata: {name: %s, namespace: %s}
                type: kubernetes.io/tls
                data:
                  tls.crt: %s
                  tls.key: %s
                """.formatted(name, ns, b64("wildcard.crt"), b64("wildcard.key"));
    }

    static String b64(String file) throws Exception {
        return Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of("certs-test", file)));
    }

    @Test
    void badGatewayIsRejectedWithItsCode() {
        Kubectl.Result r = apply(gateway("bad", "ports", 70000, "SIMPLE", "x-tls"));
        assertFalse(r.ok(), r.describe());
        assertTrue(r.stderr().contains("denied the request: Gatewarden denied Gateway bad/ports: [GW104] spec.servers[0].port.number"),
                r.describe());
        assertTrue(cluster.kubectl("get", "gateways.networking.istio.io", "-n", "bad", "ports").stderr().contains("NotFound"));
    }

    @Test
    void secretInGatewayNamespaceIsRejectedNamingBothNamespaces() throws Exception {
        cluster.apply(secret("shop", "shop-tls"));
        Kubectl.Result r = apply(gateway("shop", "shop-gateway", 443, "SIMPLE", "shop-tls"));
        assertFalse(r.ok(), r.describe());
        assertTrue(r.stderr().contains("[GW303]"), r.describe());
        assertTrue(r.stderr().contains("not found in istio-system, where the gateway pods selected by {istio=ingressgateway} run")
                && r.stderr().contains("exists in shop, which Istio does not read"), r.describe());
    }

    /** Live API reads made by Gatewarden's cluster view so far (the metric counts every one). */
    static double liveReads() {
        String metrics = io.restassured.RestAssured.given().baseUri("http://localhost:9001").get("/q/metrics").asString();
        return metrics.lines().filter(l -> l.startsWith("gatewarden_cluster_live_reads_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void goodGatewayIsAdmittedFromTheCacheAndItsRouteToo() throws Exception {
        cluster.apply(secret("istio-system", "routes-tls"));
        // Wait until the secret reached Gatewarden's informer: a dry run then makes no live read.
        for (int i = 0; i < 50; i++) {
            double b = liveReads();
            Kubectl.Result dry = apply(gateway("routes", "routes-gateway", 443, "SIMPLE", "routes-tls"), "--dry-run=server");
            if (dry.ok() && liveReads() == b) {
                break;
            }
            sleep(100);
        }
        double before = liveReads();
        Kubectl.Result r = apply(gateway("routes", "routes-gateway", 443, "SIMPLE", "routes-tls"));
        assertTrue(r.ok(), r.describe());
        assertFalse(r.stderr().contains("Warning"), r.describe());
        assertEquals(before, liveReads(), "admitting a Gateway whose secret exists makes no API call");
        String vs = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: good-route, namespace: routes}
                spec:
                  hosts: [routes-gateway.example.com]
                  gateways: [routes-gateway]
                  http:
                  - route:
                    - destination: {host: istio-ingressgateway.istio-system.svc.cluster.local}
                """;
        // The Gateway reaches Gatewarden's informer a moment after it is stored.
        Kubectl.Result v = KubeCluster.until(() -> apply(vs), Kubectl.Result::ok);
        assertTrue(v.ok(), v.describe());
    }

    @Test
    void virtualServiceBoundToMissingGatewayIsRejected() {
        String vs = """
                apiVersion: networking.istio.io/v1beta1
                kind: VirtualService
                metadata: {name: lost, namespace: routes}
                spec:
                  hosts: [myapp.example.com]
                  gateways: [no-such-gateway]
                  http:
                  - route:
                    - destination: {host: istio-ingressgateway.istio-system.svc.cluster.local}
                """;
        Kubectl.Result r = apply(vs);
        assertFalse(r.ok(), r.describe());
        assertTrue(r.stderr().contains("[RT501] spec.gateways[0]"), r.describe());
    }

    @Test
    void warningSurfacesAsKubectlWarning() throws Exception {
        cluster.apply(secret("istio-system", "warn-tls"));
        // mode unset with a credentialName: Istio would pass TLS through (GW204), admitted with a warning.
        Kubectl.Result r = apply(gateway("warn", "warn-gateway", 443, null, "warn-tls"));
        assertTrue(r.ok(), r.describe());
        assertTrue(r.stderr().contains("Warning: [GW204] spec.servers[0].tls.mode"), r.describe());
    }

    @Test
    void serverSideDryRunIsJudgedAndStoresNothing() throws Exception {
        Kubectl.Result bad = apply(gateway("dry", "dry-bad", 70000, "SIMPLE", "dry-tls"), "--dry-run=server");
        assertFalse(bad.ok(), bad.describe());
        assertTrue(bad.stderr().contains("[GW104]"), bad.describe());

        cluster.apply(secret("istio-system", "dry-tls"));
        Kubectl.Result good = apply(gateway("dry", "dry-good", 443, "SIMPLE", "dry-tls"), "--dry-run=server");
        assertTrue(good.ok() && good.stdout().contains("(server dry run)"), good.describe());
        Kubectl.Result get = cluster.kubectl("get", "gateways.networking.istio.io", "-n", "dry", "dry-good");
        assertFalse(get.ok(), "dry run must not store the Gateway: " + get.describe());
        assertEquals(0, cluster.client().secrets().inNamespace("dry").list().getItems().stream()
                .filter(s -> !s.getType().equals("kubernetes.io/service-account-token")).count());
    }
}
