package io.gatewarden.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatewarden.cli.ManifestReader;
import io.gatewarden.cluster.StaticClusterView;
import io.gatewarden.rules.Engine;
import io.gatewarden.facts.RuleSettings;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The webhook's decision as a pure function: parsing, verdicts, message shape. */
class ValidatorTest {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String CLUSTER = """
            apiVersion: v1
            kind: Pod
            metadata: {name: ingress-1, namespace: istio-system, labels: {istio: ingressgateway}}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: ingress, namespace: istio-system}
            spec:
              selector: {istio: ingressgateway}
              ports: [{name: https, port: 443}, {name: http, port: 80}]
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: shop-tls, namespace: default}
            type: kubernetes.io/tls
            stringData: {tls.crt: x, tls.key: y}
            """;

    static String review(String uid, String object) {
        return "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"" + uid
                + "\",\"kind\":{\"group\":\"networking.istio.io\",\"version\":\"v1\",\"kind\":\"Gateway\"},"
                + "\"operation\":\"CREATE\",\"namespace\":\"default\",\"object\":" + object + "}}";
    }

    static String gateway(String credential, int port) {
        return "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"Gateway\",\"metadata\":{\"name\":\"gw\"},"
                + "\"spec\":{\"selector\":{\"istio\":\"ingressgateway\"},\"servers\":[{\"port\":{\"number\":" + port
                + ",\"name\":\"https\",\"protocol\":\"HTTPS\"},\"hosts\":[\"shop.example.com\"],"
                + "\"tls\":{\"mode\":\"SIMPLE\",\"credentialName\":\"" + credential + "\"}}]}}";
    }

    static JsonNode judge(String body) throws Exception {
        StaticClusterView view = new StaticClusterView(new ManifestReader("default").read(CLUSTER, "cluster"));
        Validator v = new Validator(new Engine(RuleSettings.defaults()), 20);
        return v.validate(ReviewRequest.parse(body.getBytes(StandardCharsets.UTF_8), MAPPER), view, MAPPER).review();
    }

    @Test
    void secretInGatewayNamespaceIsDeniedNamingBothNamespaces() throws Exception {
        JsonNode r = judge(review("u-1", gateway("shop-tls", 443))).get("response");
        assertEquals("u-1", r.get("uid").asText());
        assertFalse(r.get("allowed").asBoolean());
        String message = r.get("status").get("message").asText();
        assertTrue(message.startsWith("Gatewarden denied Gateway default/gw: [GW303] spec.servers[0].tls.credentialName: "), message);
        assertTrue(message.contains("not found in istio-system") && message.contains("exists in default"), message);
        assertEquals(403, r.get("status").get("code").asInt());
    }

    @Test
    void missingSecretIsAllowedWithAnInfoWarning() throws Exception {
        JsonNode r = judge(review("u-2", gateway("new-tls", 443))).get("response");
        assertTrue(r.get("allowed").asBoolean());
        assertTrue(r.get("warnings").get(0).asText().startsWith("[GW302] (info) spec.servers[0].tls.credentialName"),
                r.toString());
    }

    @Test
    void portNotOnServiceIsAWarning() throws Exception {
        JsonNode r = judge(review("u-3", gateway("new-tls", 8443))).get("response");
        assertTrue(r.get("allowed").asBoolean());
        assertTrue(r.get("warnings").toString().contains("[GW403]"), r.toString());
    }

    @Test
    void deleteIsAllowedWithoutObject() throws Exception {
        String body = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"d\","
                + "\"operation\":\"DELETE\",\"namespace\":\"default\"}}";
        assertTrue(judge(body).get("response").get("allowed").asBoolean());
    }

    @Test
    void otherKindsAreAllowedUntouched() throws Exception {
        String cm = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"}}";
        JsonNode r = judge(review("c", cm)).get("response");
        assertTrue(r.get("allowed").asBoolean());
        assertTrue(r.get("warnings") == null);
    }

    @Test
    void wrongFieldTypesAreDenialsNotCrashes() throws Exception {
        String gw = gateway("new-tls", 443).replace("\"number\":443", "\"number\":\"eighty\"")
                .replace("[\"shop.example.com\"]", "7");
        JsonNode r = judge(review("t", gw)).get("response");
        assertFalse(r.get("allowed").asBoolean());
        String m = r.get("status").get("message").asText();
        assertTrue(m.contains("[GW104] spec.servers[0].port.number") && m.contains("[GW102] spec.servers[0].hosts"), m);
    }

    @Test
    void denialListsAtMostTheConfiguredNumberOfErrors() throws Exception {
        StringBuilder servers = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            servers.append(i == 0 ? "" : ",").append("{\"port\":{\"number\":70000,\"name\":\"p").append(i)
                    .append("\",\"protocol\":\"HTTP\"},\"hosts\":[\"a.example.com\"]}");
        }
        String gw = "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"Gateway\",\"metadata\":{\"name\":\"gw\"},"
                + "\"spec\":{\"selector\":{\"istio\":\"ingressgateway\"},\"servers\":[" + servers + "]}}";
        String m = judge(review("many", gw)).get("response").get("status").get("message").asText();
        assertEquals(20, m.split("\\[GW104]").length - 1, m);
        assertTrue(m.endsWith("and 30 more errors (run gatewarden analyze to see all)"), m);
    }

    @Test
    void malformedReviewsAreRejectedWithClearMessages() {
        List<String[]> cases = List.of(
                new String[] {"", "empty body"},
                new String[] {"{not json", "not valid JSON"},
                new String[] {"[1,2]", "not a JSON object"},
                new String[] {"{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\",\"request\":{}}",
                        "expected apiVersion admission.k8s.io/v1"},
                new String[] {"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}", "no request"},
                new String[] {"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"operation\":\"CREATE\",\"object\":{}}}",
                        "request.uid is missing"},
                new String[] {"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":7}}",
                        "request.uid is missing or not a string"},
                new String[] {"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"x\",\"operation\":\"CREATE\",\"object\":\"str\"}}",
                        "request.object is missing or not an object"},
                // Past Jackson's nesting limit the parser's exception has no location (it was an NPE, HTTP 500).
                new String[] {"[".repeat(10_000) + "]".repeat(10_000), "body exceeds a JSON parsing limit: Document nesting depth"},
                new String[] {"{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000), "body exceeds a JSON parsing limit"},
                new String[] {deepReview(10_000), "body exceeds a JSON parsing limit"});
        for (String[] c : cases) {
            BadReviewException e = assertThrows(BadReviewException.class,
                    () -> ReviewRequest.parse(c[0].getBytes(StandardCharsets.UTF_8), MAPPER), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
        }
    }

    /** An AdmissionReview whose object carries {@code depth} nested arrays in an unknown spec field. */
    static String deepReview(int depth) {
        return review("deep", "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"Gateway\",\"metadata\":{\"name\":\"gw\"},"
                + "\"spec\":{\"x\":" + "[".repeat(depth) + "]".repeat(depth) + "}}");
    }

    @Test
    void nestingJustUnderTheLimitIsJudged() throws Exception {
        JsonNode response = judge(deepReview(990)).get("response");
        assertEquals("deep", response.get("uid").asText());
        assertFalse(response.get("allowed").asBoolean(), "no servers: GW101");
    }

    @Test
    void warningsAreCappedAndShort() throws Exception {
        ObjectNode gw = (ObjectNode) MAPPER.readTree(gateway("new-tls", 443));
        var servers = gw.with("spec").withArray("servers");
        for (int i = 1; i < 40; i++) {
            ObjectNode s = servers.get(0).deepCopy();
            ((ObjectNode) s.get("port")).put("name", "https-" + i).put("number", 9000 + i);
            servers.add(s);
        }
        JsonNode warnings = judge(review("w", gw.toString())).get("response").get("warnings");
        assertEquals(Verdict.MAX_WARNINGS + 1, warnings.size());
        for (JsonNode w : warnings) {
            assertTrue(w.asText().length() <= WarningLine.MAX, w.asText());
        }
    }
}
