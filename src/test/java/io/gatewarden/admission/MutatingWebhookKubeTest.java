package io.gatewarden.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.Secret;
import io.gatewarden.kube.KubeApiServerResource;
import io.gatewarden.kube.KubeCluster;
import io.gatewarden.kube.Kubectl;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mutating webhook as users meet it: a real kube-apiserver calls {@code /mutate} by URL
 * (then {@code /validate}), {@code kubectl apply} prints the MUT warnings, and the stored object
 * carries the defaults. Names, hosts and namespaces are unique to this class: the cluster and the
 * application are shared with other test classes, and so this class removes its webhook
 * configurations when done.
 */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
class MutatingWebhookKubeTest {
    static final String MUTATING = "gatewarden-mutate-test";
    static final String VALIDATING = "gatewarden-validate-mutate-test";
    static final String URL = "https://localhost:8444";
    static final ObjectMapper JSON = new ObjectMapper();
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static KubeCluster cluster;

    @BeforeAll
    static void register() throws Exception {
        cluster = KubeCluster.get();
        cluster.ensureIngressGatewayFixture();
        for (String ns : List.of("mut-web", "mut-dry", "mut-off", "mut-routes", "mut-probe")) {
            cluster.ensureNamespace(ns);
        }
        byte[] ca = Files.readAllBytes(Path.of("certs-test/ca.crt"));
        cluster.registerMutatingWebhook(MUTATING, "https://127.0.0.1:8444/mutate", ca,
                List.of("gateways", "virtualservices", "destinationrules"));
        cluster.registerValidatingWebhook(VALIDATING, "https://127.0.0.1:8444/validate", ca,
                List.of("gateways", "virtualservices"));
        // Webhook configurations reach the API server through an informer: wait until both are called.
        Kubectl.Result m = KubeCluster.until(() -> apply(probe(443), "--dry-run=server", "-o", "json"),
                r -> r.ok() && r.stdout().contains("gatewarden.io/defaulted"));
        assertTrue(m.stdout().contains("gatewarden.io/defaulted"), "mutating webhook never became active: " + m.describe());
        Kubectl.Result v = KubeCluster.until(() -> apply(probe(70000), "--dry-run=server"), r -> r.stderr().contains("GW104"));
        assertTrue(v.stderr().contains("GW104"), "validating webhook never became active: " + v.describe());
    }

    @AfterAll
    static void unregister() {
        if (cluster == null) {
            return; // start-up failed before anything was registered
        }
        cluster.removeMutatingWebhook(MUTATING);
        cluster.removeValidatingWebhook(VALIDATING);
        // Other classes share the cluster: wait until the API server has dropped the mutating webhook.
        KubeCluster.until(() -> apply(probe(443), "--dry-run=server", "-o", "json"),
                r -> r.ok() && !r.stdout().contains("gatewarden.io/defaulted"));
    }

    /** A Gateway the mutating webhook changes (its host is upper-case); 70000 makes validation deny it. */
    static String probe(int port) {
        return """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: probe, namespace: mut-probe}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: %d, name: http, protocol: HTTP}
                    hosts: [MutProbe.example.com]
                """.formatted(port);
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

    static JsonNode stored(String resource, String ns, String name) throws Exception {
        Kubectl.Result r = cluster.kubectl("get", resource + ".networking.istio.io", "-n", ns, name, "-o", "json");
        r.assertOk();
        return JSON.readTree(r.stdout());
    }

    /** An HTTPS server with only hosts: no name for the secret, no mode, no TLS floor. */
    static String httpsOnlyHosts(String ns, String name, String host) {
        return """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: %s, namespace: %s}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: 443, name: https, protocol: HTTPS}
                    hosts: [%s]
                """.formatted(name, ns, host);
    }

    static Secret awaitSecret(String name, long millis) {
        long deadline = System.currentTimeMillis() + millis;
        do {
            Secret s = cluster.client().secrets().inNamespace(KubeCluster.INGRESS_NAMESPACE).withName(name).get();
            if (s != null) {
                return s;
            }
            sleep(100);
        } while (System.currentTimeMillis() < deadline);
        return null;
    }

    @Test
    void httpsGatewayWithOnlyHostsIsDefaultedProvisionedAndAdmitted() throws Exception {
        String credential = Defaulter.credentialName("mut-web", "shop", "https");
        assertEquals("mut-web-shop-https-tls", credential);
        Kubectl.Result r = apply(httpsOnlyHosts("mut-web", "shop", "MutShop.example.com"));
        assertTrue(r.ok(), r.describe());
        // kubectl shows each default with its code, then what validation said about the defaulted object.
        assertTrue(r.stderr().contains("Warning: [MUT902] spec.servers[0].tls: added with mode SIMPLE and credentialName \""
                + credential + "\""), r.describe());
        assertTrue(r.stderr().contains("Warning: [MUT903] spec.servers[0].tls.minProtocolVersion: set to TLSV1_2"), r.describe());
        assertTrue(r.stderr().contains("Warning: [MUT905] spec.servers[0].hosts[0]: \"MutShop.example.com\" lower-cased"),
                r.describe());
        assertTrue(r.stderr().contains("[GW302] (info) spec.servers[0].tls.credentialName") && r.stderr().contains(credential),
                "the validating webhook judged the defaulted object: " + r.describe());

        JsonNode gw = stored("gateways", "mut-web", "shop");
        JsonNode tls = gw.at("/spec/servers/0/tls");
        assertEquals("SIMPLE", tls.path("mode").asText(), gw.toString());
        assertEquals(credential, tls.path("credentialName").asText());
        assertEquals("TLSV1_2", tls.path("minProtocolVersion").asText());
        assertEquals("mutshop.example.com", gw.at("/spec/servers/0/hosts/0").asText());
        assertEquals("MUT902,MUT903,MUT905", gw.at("/metadata/annotations/gatewarden.io~1defaulted").asText());

        // The certificate manager provisions the assigned name in the workload namespace, not the Gateway's.
        Secret secret = awaitSecret(credential, 10_000);
        assertTrue(secret != null, "secret " + credential + " never appeared in istio-system");
        assertEquals("true", secret.getMetadata().getLabels().get("gatewarden.io/managed"));
        assertTrue(secret.getMetadata().getAnnotations().get("gatewarden.io/dns-names").contains("mutshop.example.com"),
                secret.getMetadata().getAnnotations().toString());
        assertNull(cluster.client().secrets().inNamespace("mut-web").withName(credential).get());

        // The webhook on its own output changes nothing: an update with the stored object stays as it is.
        Kubectl.Result replaced = cluster.kubectlWithStdin(gw.toString(), "replace", "-f", "-");
        assertTrue(replaced.ok(), replaced.describe());
        assertFalse(replaced.stderr().contains("[MUT9"), replaced.describe());
        JsonNode again = stored("gateways", "mut-web", "shop");
        assertEquals(gw.get("spec"), again.get("spec"));
        assertEquals(gw.at("/metadata/generation"), again.at("/metadata/generation"));
        assertEquals("MUT902,MUT903,MUT905", again.at("/metadata/annotations/gatewarden.io~1defaulted").asText());

        String metrics = RestAssured.given().baseUri("http://localhost:9001").get("/q/metrics").asString();
        assertTrue(metrics.contains("gatewarden_admission_reviews_total{kind=\"Gateway\",operation=\"CREATE\","
                + "verdict=\"patched\",webhook=\"mutate\"}"), "mutate metric missing");
    }

    @Test
    void serverSideDryRunReturnsTheDefaultedObjectAndCreatesNoSecret() throws Exception {
        String credential = Defaulter.credentialName("mut-dry", "dry", "https");
        Kubectl.Result r = apply(httpsOnlyHosts("mut-dry", "dry", "mutdry.example.com"), "--dry-run=server", "-o", "json");
        assertTrue(r.ok(), r.describe());
        JsonNode returned = JSON.readTree(r.stdout());
        assertEquals("SIMPLE", returned.at("/spec/servers/0/tls/mode").asText(), r.stdout());
        assertEquals(credential, returned.at("/spec/servers/0/tls/credentialName").asText());
        assertEquals("TLSV1_2", returned.at("/spec/servers/0/tls/minProtocolVersion").asText());
        assertTrue(r.stderr().contains("Warning: [MUT902]"), r.describe());

        assertFalse(cluster.kubectl("get", "gateways.networking.istio.io", "-n", "mut-dry", "dry").ok(),
                "a dry run stores nothing");
        // Give the certificate manager (events + sweep) time to misbehave.
        sleep(3_000);
        assertNull(cluster.client().secrets().inNamespace(KubeCluster.INGRESS_NAMESPACE).withName(credential).get(),
                "a dry run must not provision a secret");
    }

    @Test
    void optedOutGatewayIsStoredUnchanged() throws Exception {
        String yaml = """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata:
                  name: legacy
                  namespace: mut-off
                  annotations: {gatewarden.io/defaults: "off"}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: 443, name: https, protocol: HTTPS}
                    hosts: [mutoff.example.com]
                    tls: {credentialName: mut-off-tls, minProtocolVersion: TLSV1_0}
                """;
        Kubectl.Result r = apply(yaml);
        assertTrue(r.ok(), r.describe());
        assertFalse(r.stderr().contains("[MUT9"), r.describe());
        assertTrue(r.stderr().contains("Warning: [GW204] spec.servers[0].tls.mode"), "validation still warns: " + r.describe());
        JsonNode gw = stored("gateways", "mut-off", "legacy");
        assertEquals(YAML.readTree(yaml).get("spec"), gw.get("spec"));
        assertTrue(gw.at("/metadata/annotations/gatewarden.io~1defaulted").isMissingNode(), gw.toString());
    }

    @Test
    void virtualServiceHostsAndDestinationRuleSniAreDefaulted() throws Exception {
        Kubectl.Result vs = apply("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: mixed-case, namespace: mut-routes}
                spec:
                  hosts: [MutRoute.Example.com]
                  http:
                  - route:
                    - destination: {host: istio-ingressgateway.istio-system.svc.cluster.local}
                """);
        assertTrue(vs.ok(), vs.describe());
        assertTrue(vs.stderr().contains("Warning: [MUT905] spec.hosts[0]"), vs.describe());
        assertEquals("mutroute.example.com", stored("virtualservices", "mut-routes", "mixed-case").at("/spec/hosts/0").asText());

        Kubectl.Result dr = apply("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: partner, namespace: mut-routes}
                spec:
                  host: api.partner.example.com
                  trafficPolicy:
                    tls: {mode: SIMPLE}
                """);
        assertTrue(dr.ok(), dr.describe());
        assertTrue(dr.stderr().contains("Warning: [MUT906] spec.trafficPolicy.tls.sni: set to \"api.partner.example.com\""),
                dr.describe());
        JsonNode stored = stored("destinationrules", "mut-routes", "partner");
        assertEquals("api.partner.example.com", stored.at("/spec/trafficPolicy/tls/sni").asText());
        assertEquals("MUT906", stored.at("/metadata/annotations/gatewarden.io~1defaulted").asText());
    }

    // ------------------------------------------------------------------ bad input over HTTP

    static Response post(String body) {
        return RestAssured.given().config(WebhookHttpKubeTest.TIMEOUTS).relaxedHTTPSValidation().baseUri(URL)
                .contentType("application/json").body(body.getBytes(StandardCharsets.UTF_8)).post("/mutate");
    }

    static String review(String uid, String operation, String object) {
        return "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"" + uid
                + "\",\"kind\":{\"group\":\"networking.istio.io\",\"version\":\"v1\",\"kind\":\"Gateway\"},"
                + "\"operation\":\"" + operation + "\",\"namespace\":\"default\"" + (object == null ? "" : ",\"object\":" + object)
                + "}}";
    }

    @Test
    void badInputIs400OrACleanNoPatchNeverA5xx() {
        for (String bad : List.of("", "{\"apiVersion\": ", "[]", "{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\"}",
                review("u", "CREATE", null).replace("\"uid\":\"u\",", ""), review("u", "CREATE", "\"a string\""))) {
            Response r = post(bad);
            assertEquals(400, r.statusCode(), bad + " -> " + r.asString());
            assertFalse(r.jsonPath().getString("error").isEmpty());
        }
        List<String> odd = List.of(
                "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"Gateway\",\"metadata\":{\"name\":\"g\"},\"spec\":7}",
                "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"Gateway\",\"metadata\":{\"name\":\"g\"},"
                        + "\"spec\":{\"servers\":[null,7,{\"port\":\"x\",\"hosts\":{},\"tls\":[]}]}}",
                "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"ServiceEntry\",\"metadata\":{\"name\":\"s\"},\"spec\":{\"hosts\":[\"A.com\"]}}",
                "{\"kind\":7}");
        for (String object : odd) {
            Response r = post(review("odd", "CREATE", object));
            assertEquals(200, r.statusCode(), object + " -> " + r.asString());
            assertEquals("odd", r.jsonPath().getString("response.uid"));
            assertTrue(r.jsonPath().getBoolean("response.allowed"));
            assertNull(r.jsonPath().getString("response.patch"), r.asString());
        }
        Response delete = post(review("del", "DELETE", null));
        assertEquals(200, delete.statusCode(), delete.asString());
        assertNull(delete.jsonPath().getString("response.patch"));

        Response patched = post(review("p", "CREATE", "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"Gateway\","
                + "\"metadata\":{\"name\":\"g\"},\"spec\":{\"servers\":[{\"port\":{\"number\":443,\"protocol\":\"HTTPS\"},"
                + "\"hosts\":[\"a.example.com\"]}]}}"));
        assertEquals(200, patched.statusCode());
        assertEquals("JSONPatch", patched.jsonPath().getString("response.patchType"));
        String patch = new String(Base64.getDecoder().decode(patched.jsonPath().getString("response.patch")), StandardCharsets.UTF_8);
        assertTrue(patch.contains("\"path\":\"/spec/servers/0/port/name\""), patch);
        assertNotEquals(0, patched.jsonPath().getList("response.warnings").size());
    }
}
