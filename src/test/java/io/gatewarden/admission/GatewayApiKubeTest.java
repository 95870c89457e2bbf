package io.gatewarden.admission;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.gatewarden.cluster.Objects;
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
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kubernetes Gateway API through a real kube-apiserver: the webhooks registered for
 * {@code gateway.networking.k8s.io}, {@code kubectl} as a user runs it, and the certificate manager
 * writing the Secret a listener's certificateRef names, in the ref's namespace, only where a
 * ReferenceGrant allows it. Names and namespaces are unique to this class (the cluster and the
 * application are shared); it removes its webhook configurations when done.
 */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
class GatewayApiKubeTest {
    static final String MUTATING = "gatewarden-mutate-gateway-api-test";
    static final String VALIDATING = "gatewarden-validate-gateway-api-test";
    /** As k8s/webhook.yaml registers them. */
    static final List<String> GATEWAY_API = List.of("gateways", "httproutes", "grpcroutes", "tlsroutes", "tcproutes");
    static KubeCluster cluster;

    static KubernetesClient client() {
        return cluster.client();
    }

    @BeforeAll
    static void register() throws Exception {
        cluster = KubeCluster.get();
        List.of("ga-web", "ga-app", "ga-certs", "ga-mut", "ga-mixed").forEach(cluster::ensureNamespace);
        cluster.ensureIngressGatewayFixture();
        byte[] ca = Files.readAllBytes(Path.of("certs-test/ca.crt"));
        cluster.registerMutatingWebhook(MUTATING, "https://127.0.0.1:8444/mutate", ca, KubeCluster.GATEWAY_API_GROUP,
                GATEWAY_API);
        cluster.registerValidatingWebhook(VALIDATING, "https://127.0.0.1:8444/validate", ca,
                KubeCluster.GATEWAY_API_GROUP, GATEWAY_API);
        // Webhook configurations reach the API server through an informer: wait until both are called.
        String probe = gateway("ga-mut", "probe", "probe.example.com", null, null);
        Kubectl.Result m = KubeCluster.until(() -> apply(probe, "--dry-run=server", "-o", "yaml"),
                r -> r.ok() && r.stdout().contains("gatewarden.io/defaulted"));
        assertTrue(m.stdout().contains("gatewarden.io/defaulted"), "mutating webhook never became active: " + m.describe());
        String denied = gateway("ga-mut", "probe", "probe.example.com", "probe-tls", "ga-certs");
        Kubectl.Result v = KubeCluster.until(() -> apply(denied, "--dry-run=server"), r -> r.stderr().contains("GA704"));
        assertTrue(v.stderr().contains("GA704"), "validating webhook never became active: " + v.describe());
    }

    @AfterAll
    static void unregister() {
        if (cluster != null) {
            cluster.removeMutatingWebhook(MUTATING);
            cluster.removeValidatingWebhook(VALIDATING);
        }
    }

    static Kubectl.Result apply(String yaml, String... extra) {
        return cluster.tryApply(yaml, extra);
    }

    /** A Gateway API Gateway with one HTTPS listener; {@code secret} null leaves tls out, {@code refNs} null the ref's namespace. */
    static String gateway(String ns, String name, String hostname, String secret, String refNs) {
        String tls = secret == null ? "" : """
                    tls:
                      mode: Terminate
                      certificateRefs:
                      - {kind: Secret, name: %s%s}
                """.formatted(secret, refNs == null ? "" : ", namespace: " + refNs);
        return """
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: %s, namespace: %s}
                spec:
                  gatewayClassName: istio
                  listeners:
                  - name: https
                    port: 443
                    protocol: HTTPS
                    hostname: "%s"
                """.formatted(name, ns, hostname) + tls;
    }

    static String grant(String ns, String fromNs, String secret) {
        return """
                apiVersion: gateway.networking.k8s.io/v1beta1
                kind: ReferenceGrant
                metadata: {name: gateways-to-%s, namespace: %s}
                spec:
                  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: %s}]
                  to: [{group: "", kind: Secret, name: %s}]
                """.formatted(secret, ns, fromNs, secret);
    }

    /** Polls the API server (not Gatewarden's cache) for the secret, until the deadline; null if it never appears. */
    static Secret await(String ns, String name, long millis) throws InterruptedException {
        return cluster.awaitSecret(ns, name, millis);
    }

    /** Managed, signed by Gatewarden's CA, key matching, covering every host: what istiod serves. */
    static void assertUsable(Secret s, String owner, String... hosts) throws Exception {
        assertEquals("kubernetes.io/tls", s.getType());
        assertEquals("true", s.getMetadata().getLabels().get("gatewarden.io/managed"));
        var data = Objects.secret(s);
        X509Certificate leaf = Pem.certificates(data.value("tls.crt")).get(0);
        leaf.verify(Pem.certificates(data.value("ca.crt")).get(0).getPublicKey());
        assertTrue(KeyMatch.matches(leaf, Pem.privateKey(data.value("tls.key"))), "tls.key matches tls.crt");
        for (String h : hosts) {
            assertTrue(HostCoverage.covers(HostCoverage.dnsNames(leaf), h), h + " not covered by " + HostCoverage.dnsNames(leaf));
        }
        assertEquals(owner, s.getMetadata().getAnnotations().get("gatewarden.io/for"));
    }

    @Test
    void missingSameNamespaceRefIsProvisionedInTheGatewaysNamespaceWithinFiveSeconds() throws Exception {
        // Two listeners name one secret: its DNS names are the union of their hostnames, the wildcard included.
        String gw = gateway("ga-web", "web", "ga-shop.example.com", "ga-web-tls", null) + """
                  - name: wild
                    port: 443
                    protocol: HTTPS
                    hostname: "*.ga-shop.example.com"
                    tls:
                      certificateRefs: [{name: ga-web-tls}]
                """;
        long start = System.currentTimeMillis();
        Kubectl.Result applied = apply(gw);
        assertTrue(applied.ok(), applied.describe());
        assertTrue(applied.stderr().contains("[GA705] (info)") && applied.stderr().contains("ga-web-tls"),
                "the plan reaches kubectl: " + applied.describe());
        Secret s = await("ga-web", "ga-web-tls", 5_000);
        long ms = System.currentTimeMillis() - start;
        assertTrue(s != null, "no secret ga-web/ga-web-tls within 5 s");
        assertUsable(s, "Gateway.gateway.networking.k8s.io/ga-web/web", "ga-shop.example.com", "api.ga-shop.example.com");
        assertTrue(ms <= 5_000, "took " + ms + " ms");
        assertNull(client().secrets().inNamespace(KubeCluster.INGRESS_NAMESPACE).withName("ga-web-tls").get(),
                "istiod reads a Gateway API listener's certificate in the ref's namespace, not where the pods run");
        // The Event is on the Gateway API Gateway, as it is on an Istio Gateway.
        Event e = awaitEvent("ga-web", "web");
        assertEquals("gateway.networking.k8s.io/v1", e.getInvolvedObject().getApiVersion());
        assertTrue(e.getMessage().contains("ga-web/ga-web-tls"), e.getMessage());
        // A changed listener hostname is re-issued, like a changed Istio server host.
        apply(gw.replace("\"ga-shop.example.com\"", "\"ga-shop2.example.com\"")).assertOk();
        long changed = System.currentTimeMillis();
        while (!covers(client().secrets().inNamespace("ga-web").withName("ga-web-tls").get(), "ga-shop2.example.com")) {
            assertTrue(System.currentTimeMillis() - changed < 5_000, "not re-issued for ga-shop2.example.com within 5 s");
            Thread.sleep(50);
        }
        assertUsable(client().secrets().inNamespace("ga-web").withName("ga-web-tls").get(),
                "Gateway.gateway.networking.k8s.io/ga-web/web", "ga-shop2.example.com", "api.ga-shop.example.com");
    }

    static boolean covers(Secret s, String host) throws Exception {
        X509Certificate leaf = Pem.certificates(Objects.secret(s).value("tls.crt")).get(0);
        return HostCoverage.covers(HostCoverage.dnsNames(leaf), host);
    }

    static Event awaitEvent(String ns, String gateway) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            for (Event e : client().v1().events().inNamespace(ns).list().getItems()) {
                if (e.getInvolvedObject().getKind().equals("Gateway") && e.getInvolvedObject().getName().equals(gateway)
                        && e.getReason().equals("CertificateIssued")) {
                    return e;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no CertificateIssued Event on Gateway " + ns + "/" + gateway);
    }

    @Test
    void crossNamespaceRefIsDeniedWithoutAGrantAndProvisionedInTheRefsNamespaceWithOne() throws Exception {
        String gw = gateway("ga-app", "app", "ga-app.example.com", "ga-app-tls", "ga-certs");
        Kubectl.Result denied = apply(gw);
        assertFalse(denied.ok(), denied.describe());
        assertTrue(denied.stderr().contains("[GA704] spec.listeners[0].tls.certificateRefs[0]")
                && denied.stderr().contains("ReferenceGrant in ga-certs"), denied.describe());
        assertNull(await("ga-certs", "ga-app-tls", 2_000), "nothing is written without a grant");
        assertNull(client().secrets().inNamespace("ga-app").withName("ga-app-tls").get());

        apply(grant("ga-certs", "ga-app", "ga-app-tls")).assertOk();
        long start = System.currentTimeMillis();
        Kubectl.Result admitted = KubeCluster.until(() -> apply(gw), Kubectl.Result::ok); // the grant reaches the cache
        assertTrue(admitted.ok(), admitted.describe());
        Secret s = await("ga-certs", "ga-app-tls", 5_000);
        assertTrue(s != null, "no secret ga-certs/ga-app-tls within 5 s of the grant");
        assertUsable(s, "Gateway.gateway.networking.k8s.io/ga-app/app", "ga-app.example.com");
        System.out.printf("[GatewayApiKubeTest] cross-namespace secret provisioned %d ms after the grant%n",
                System.currentTimeMillis() - start);
        assertNull(client().secrets().inNamespace("ga-app").withName("ga-app-tls").get(), "only in the ref's namespace");

        // The grant withdrawn: the stored Gateway no longer entitles Gatewarden to write there.
        cluster.kubectl("delete", "referencegrants.gateway.networking.k8s.io", "gateways-to-ga-app-tls", "-n", "ga-certs")
                .assertOk();
        Thread.sleep(1_000); // the informer sees the deletion
        client().secrets().inNamespace("ga-certs").withName("ga-app-tls").delete();
        assertNull(await("ga-certs", "ga-app-tls", 3_000), "re-created without a grant");
    }

    @Test
    void mut908DefaultsACertificateRefThroughKubectlAndDryRunWritesNothing() throws Exception {
        String gw = gateway("ga-mut", "shop", "ga-mut.example.com", null, null);
        // Without the default the Gateway API CRD's own validation rejects an HTTPS listener without tls.
        Kubectl.Result optedOut = apply(gw.replace("namespace: ga-mut}",
                "namespace: ga-mut, annotations: {gatewarden.io/defaults: \"off\"}}"));
        assertFalse(optedOut.ok(), optedOut.describe());
        assertTrue(optedOut.stderr().contains("tls"), optedOut.describe());

        Kubectl.Result dry = apply(gw, "--dry-run=server", "-o", "yaml");
        assertTrue(dry.ok(), dry.describe());
        assertTrue(dry.stderr().contains("Warning: [MUT908] spec.listeners[0].tls"), dry.describe());
        assertTrue(dry.stdout().contains("name: ga-mut-shop-https-tls"), dry.stdout());
        Thread.sleep(2_000);
        assertFalse(cluster.kubectl("get", "gateways.gateway.networking.k8s.io", "shop", "-n", "ga-mut").ok(),
                "dry run stored the Gateway");
        assertNull(client().secrets().inNamespace("ga-mut").withName("ga-mut-shop-https-tls").get(),
                "dry run provisioned a secret");

        apply(gw).assertOk();
        Kubectl.Result stored = cluster.kubectl("get", "gateways.gateway.networking.k8s.io", "shop", "-n", "ga-mut",
                "-o", "jsonpath={.spec.listeners[0].tls.certificateRefs[0].name}");
        assertEquals("ga-mut-shop-https-tls", stored.assertOk().stdout().trim());
        Secret s = await("ga-mut", "ga-mut-shop-https-tls", 5_000);
        assertTrue(s != null, "the defaulted ref was not provisioned within 5 s");
        assertUsable(s, "Gateway.gateway.networking.k8s.io/ga-mut/shop", "ga-mut.example.com");
    }

    /**
     * The seed's ingress scenario in the Gateway API, as a user applies examples/gateway-api: the clean file is
     * admitted and its secret provisioned in myapp; each broken variant, applied after it, shows its code in
     * kubectl's output (denied for errors, a warning otherwise), except the HTTPS listener without refs, which
     * MUT908 defaults and the certificate manager provisions.
     */
    @Test
    void theExamplesEndToEnd() throws Exception {
        Path dir = Path.of("examples/gateway-api");
        Kubectl.Result first = apply(read(dir.resolve("10-myapp.yaml")));
        assertTrue(first.ok(), first.describe());
        // kubectl creates the objects one by one: the HTTPRoute may be judged before the informer has delivered
        // the Gateway created an instant earlier (a GA706 "not found" warning, README); applied again, it is clean.
        assertTrue(first.stderr().lines().filter(l -> l.startsWith("Warning:") && !l.contains("(info)"))
                .allMatch(l -> l.startsWith("Warning: [GA706] spec.parentRefs[0]: Gateway myapp/my-gateway not found")),
                first.describe());
        Kubectl.Result clean = apply(read(dir.resolve("10-myapp.yaml")));
        assertTrue(clean.ok(), clean.describe());
        assertTrue(clean.stderr().lines().filter(l -> l.startsWith("Warning:")).allMatch(l -> l.contains("(info)")),
                "only the plan, no finding: " + clean.describe());
        Secret s = await("myapp", "myapp-tls", 5_000);
        assertTrue(s != null, "no secret myapp/myapp-tls within 5 s");
        assertUsable(s, "Gateway.gateway.networking.k8s.io/myapp/my-gateway", "myapp.example.com");

        for (var e : java.util.Map.of("50-broken-cross-namespace-ref-without-grant.yaml", "GA704",
                "52-broken-route-hostnames-not-intersecting.yaml", "GA706",
                "53-broken-route-from-excluded-namespace.yaml", "GA708",
                "54-broken-istio-and-gateway-api-on-443.yaml", "GA710").entrySet()) {
            String yaml = read(dir.resolve(e.getKey()));
            boolean error = List.of("GA704", "GA710").contains(e.getValue());
            Kubectl.Result r = KubeCluster.until(() -> apply(yaml), x -> x.stderr().contains("[" + e.getValue() + "]"));
            assertTrue(r.stderr().contains("[" + e.getValue() + "]"), e.getKey() + ": " + r.describe());
            assertEquals(!error, r.ok(), e.getKey() + ": " + r.describe());
        }
        Kubectl.Result defaulted = apply(read(dir.resolve("51-broken-https-without-certificate-refs.yaml")));
        assertTrue(defaulted.ok() && defaulted.stderr().contains("Warning: [MUT908]"), defaulted.describe());
        assertTrue(await("myapp", "myapp-api-gateway-https-tls", 5_000) != null, "the defaulted ref was not provisioned");
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void istioGatewayAndGatewayApiListenerClaimingOneHostAndPortOnOneWorkloadIsGa710() {
        String istio = """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: shop-istio, namespace: ga-mixed}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: 443, name: https, protocol: HTTPS}
                    hosts: [ga-mixed.example.com]
                    tls: {mode: SIMPLE, credentialName: ga-mixed-istio-tls}
                """;
        cluster.apply(istio); // no webhook for networking.istio.io in this class
        String api = gateway("ga-mixed", "shop-api", "ga-mixed.example.com", "ga-mixed-api-tls", null)
                .replace("  gatewayClassName: istio\n", """
                          gatewayClassName: istio
                          addresses: [{type: Hostname, value: istio-ingressgateway.istio-system.svc.cluster.local}]
                        """);
        Kubectl.Result denied = KubeCluster.until(() -> apply(api), r -> r.stderr().contains("GA710"));
        assertFalse(denied.ok(), denied.describe());
        assertTrue(denied.stderr().contains("[GA710] spec.listeners[0].hostname")
                && denied.stderr().contains("Istio Gateway ga-mixed/shop-istio"), denied.describe());
        // Another host on the same pods is clear.
        Kubectl.Result other = apply(api.replace("\"ga-mixed.example.com\"", "\"ga-mixed-api.example.com\""));
        assertTrue(other.ok(), other.describe());
    }
}
