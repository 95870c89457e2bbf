package io.gatewarden.admission;

import io.gatewarden.kube.KubeApiServerResource;
import io.gatewarden.kube.KubeCluster;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.config.HttpClientConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The webhook's HTTP contract for bad input, with the service running against a real API server:
 * a clear 400 or a clear verdict within bounded time, never a 5xx, and the server keeps serving.
 */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
class WebhookHttpKubeTest {
    static final String URL = "https://localhost:8444";
    static final String MANAGEMENT = "http://localhost:9001";

    @BeforeAll
    static void setUp() {
        KubeCluster.get().ensureIngressGatewayFixture();
    }

    /** Serving certificate trust is proven by the API server tests; here the HTTP contract is under test. */
    static Response post(String path, byte[] body) {
        return RestAssured.given().config(TIMEOUTS).relaxedHTTPSValidation().baseUri(URL)
                .contentType("application/json").body(body).post(path);
    }

    static final RestAssuredConfig TIMEOUTS = RestAssuredConfig.config().httpClient(HttpClientConfig.httpClientConfig()
            .setParam("http.connection.timeout", 10_000).setParam("http.socket.timeout", 20_000));

    static Response post(String body) {
        return post("/validate", body.getBytes(StandardCharsets.UTF_8));
    }

    static String review(String uid, String object) {
        return "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"" + uid
                + "\",\"kind\":{\"group\":\"networking.istio.io\",\"version\":\"v1\",\"kind\":\"Gateway\"},"
                + "\"operation\":\"CREATE\",\"namespace\":\"default\",\"object\":" + object + "}}";
    }

    static String gatewayWithServers(String servers) {
        return "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"Gateway\",\"metadata\":{\"name\":\"gw\"},"
                + "\"spec\":{\"selector\":{\"istio\":\"ingressgateway\"},\"servers\":[" + servers + "]}}";
    }

    static final String GOOD_SERVER = "{\"port\":{\"number\":80,\"name\":\"http\",\"protocol\":\"HTTP\"},\"hosts\":[\"a.example.com\"]}";

    void assertStillServing() {
        Response r = post(review("alive", gatewayWithServers(GOOD_SERVER)));
        assertEquals(200, r.statusCode(), r.asString());
        assertEquals("alive", r.jsonPath().getString("response.uid"));
    }

    void assertBadRequest(byte[] body, String messagePart) {
        long start = System.nanoTime();
        Response r = post("/validate", body);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(400, r.statusCode(), r.asString());
        assertTrue(r.jsonPath().getString("error").contains(messagePart), r.asString());
        assertTrue(ms < 10_000, "answer took " + ms + " ms");
        assertStillServing();
    }

    @Test
    void malformedJsonIs400() {
        assertBadRequest("{\"apiVersion\": ".getBytes(StandardCharsets.UTF_8), "not valid JSON");
    }

    @Test
    void wrongApiVersionIs400() {
        assertBadRequest(review("u", gatewayWithServers(GOOD_SERVER)).replace("admission.k8s.io/v1", "admission.k8s.io/v1beta1")
                .getBytes(StandardCharsets.UTF_8), "expected apiVersion admission.k8s.io/v1");
    }

    @Test
    void missingUidIs400() {
        assertBadRequest(review("u", gatewayWithServers(GOOD_SERVER)).replace("\"uid\":\"u\",", "")
                .getBytes(StandardCharsets.UTF_8), "request.uid");
    }

    @Test
    void twoMebibytesOfGarbageIs400() {
        byte[] body = new byte[2 * 1024 * 1024];
        java.util.Arrays.fill(body, (byte) 'x');
        assertBadRequest(body, "not valid JSON");
    }

    /**
     * 10,000 nested arrays or objects, as the whole body or inside request.object, to both webhooks:
     * HTTP 400 naming the limit (Jackson's depth guard throws without a location: this was an NPE and a 500).
     * Just under the limit the review is judged.
     */
    @Test
    void deepNestingIs400OnBothWebhooks() {
        String deepObject = "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"Gateway\",\"metadata\":{\"name\":\"gw\"},"
                + "\"spec\":{\"x\":%s}}";
        List<String> bodies = List.of("[".repeat(10_000) + "]".repeat(10_000),
                "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000),
                review("deep", deepObject.formatted("[".repeat(10_000) + "]".repeat(10_000))),
                review("deep", deepObject.formatted("{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000))));
        for (String path : List.of("/validate", "/mutate")) {
            for (String body : bodies) {
                Response r = post(path, body.getBytes(StandardCharsets.UTF_8));
                assertEquals(400, r.statusCode(), path + ": " + r.asString());
                assertTrue(r.jsonPath().getString("error").contains("exceeds a JSON parsing limit: Document nesting depth"),
                        r.asString());
            }
            Response judged = post(path, review("almost", deepObject.formatted("[".repeat(990) + "]".repeat(990)))
                    .getBytes(StandardCharsets.UTF_8));
            assertEquals(200, judged.statusCode(), path + ": " + judged.asString());
            assertEquals("almost", judged.jsonPath().getString("response.uid"));
        }
        assertStillServing();
    }

    @Test
    void twoMebibyteWellFormedReviewGetsAVerdict() {
        String pad = "a".repeat(2 * 1024 * 1024);
        String object = gatewayWithServers(GOOD_SERVER).replace("\"name\":\"gw\"}", "\"name\":\"gw\",\"annotations\":{\"pad\":\"" + pad + "\"}}");
        Response r = post(review("big", object));
        assertEquals(200, r.statusCode());
        assertEquals("big", r.jsonPath().getString("response.uid"));
        assertStillServing();
    }

    @Test
    void fiveThousandServersGetAClearDenialInBoundedTime() {
        StringBuilder servers = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            servers.append(i == 0 ? "" : ",").append("{\"port\":{\"number\":443,\"name\":\"https\",\"protocol\":\"HTTPS\"},"
                    + "\"hosts\":[\"h").append(i).append(".example.com\"],\"tls\":{\"mode\":\"SIMPLE\",\"credentialName\":\"c\"}}");
        }
        long start = System.nanoTime();
        Response r = post(review("many", gatewayWithServers(servers.toString())));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, r.statusCode());
        assertFalse(r.jsonPath().getBoolean("response.allowed"));
        String message = r.jsonPath().getString("response.status.message");
        assertTrue(message.contains("[GW107]") && message.contains("more errors"), message.substring(0, 300));
        assertTrue(message.length() < 20_000, "denial stays readable: " + message.length() + " chars");
        assertTrue(ms < 10_000, "answer took " + ms + " ms");
        assertStillServing();
    }

    @Test
    void wrongFieldTypesGetADenialNamingTheField() {
        String server = "{\"port\":{\"number\":\"eighty\",\"name\":\"http\",\"protocol\":\"HTTP\"},\"hosts\":7}";
        Response r = post(review("types", gatewayWithServers(server)));
        assertEquals(200, r.statusCode());
        assertFalse(r.jsonPath().getBoolean("response.allowed"));
        String message = r.jsonPath().getString("response.status.message");
        assertTrue(message.contains("[GW104] spec.servers[0].port.number: \"eighty\"")
                && message.contains("[GW102] spec.servers[0].hosts: 7"), message);
        assertStillServing();
    }

    @Test
    void readinessAndMetricsOnTheManagementPort() {
        post(review("m1", gatewayWithServers(GOOD_SERVER)));
        post("/validate", "nope".getBytes(StandardCharsets.UTF_8));
        Response ready = RestAssured.given().baseUri(MANAGEMENT).get("/q/health/ready");
        assertEquals(200, ready.statusCode(), ready.asString());
        assertEquals("UP", ready.jsonPath().getString("status"));
        String metrics = RestAssured.given().baseUri(MANAGEMENT).get("/q/metrics").asString();
        for (String expected : List.of(
                "gatewarden_admission_reviews_total{kind=\"Gateway\",operation=\"CREATE\",verdict=\"allowed\",webhook=\"validate\"}",
                "verdict=\"invalid\"",
                "gatewarden_admission_review_duration_seconds_bucket{webhook=\"validate\",le=\"1.0E-4\"}")) {
            assertTrue(metrics.contains(expected), "metrics lack " + expected);
        }
        assertFalse(metrics.contains("BEGIN"), "no certificate material in metrics");
    }

    @Test
    void baselineEndpointAllowsEverything() {
        Response r = post("/allow", review("b", gatewayWithServers("null")).getBytes(StandardCharsets.UTF_8));
        assertEquals(200, r.statusCode());
        assertTrue(r.jsonPath().getBoolean("response.allowed"));
    }
}
