package io.gatewarden.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.gatewarden.certificates.process.Await;
import io.gatewarden.certificates.process.GatewardenProcess;
import io.gatewarden.certificates.process.ProcessTestBase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What one admission review costs the API server, counted by the API server itself
 * ({@code apiserver_request_total} by verb, for resource secrets): a Gateway naming 1,000 credentials
 * that do not exist costs at most one Secret LIST per review (its workload namespace), the same as one
 * naming 10, no GET, and nothing when every credential is cached; concurrent reviews share. The LIST
 * exists to keep a promise that is checked here too: a Secret created an instant before the Gateway
 * is never reported missing. (Gatewarden's certificate manager is off in this process so that the
 * counters hold only what the reviews cost.)
 */
class ApiCallBoundIT extends ProcessTestBase {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Pattern SAMPLE = Pattern.compile(
            "^apiserver_request_total\\{([^}]*)} (\\S+)$", Pattern.MULTILINE);
    GatewardenProcess gw;

    @BeforeEach
    void start() {
        gw = GatewardenProcess.start(cluster.kubeconfigPath(), "api-bound-" + run, "ApiCallBoundIT-" + run + ".log",
                Map.of("gatewarden.certificates.provision", "false"));
        processes.add(gw);
        gw.awaitReady(Duration.ofSeconds(120));
    }

    /** Requests the API server served for Secrets so far, by verb (GET, LIST, WATCH, POST...). */
    static Map<String, Double> secretRequests() {
        return requests("secrets");
    }

    /** Requests the API server served for a resource (plural, e.g. subjectaccessreviews) so far, by verb. */
    static Map<String, Double> requests(String resource) {
        Map<String, Double> byVerb = new TreeMap<>();
        Matcher m = SAMPLE.matcher(client.raw("/metrics"));
        while (m.find()) {
            if (m.group(1).contains("resource=\"" + resource + "\"") && m.group(1).contains("subresource=\"\"")) {
                Matcher verb = Pattern.compile("verb=\"([A-Z]+)\"").matcher(m.group(1));
                if (verb.find()) {
                    byVerb.merge(verb.group(1), Double.parseDouble(m.group(2)), Double::sum);
                }
            }
        }
        return byVerb;
    }

    static double delta(Map<String, Double> before, Map<String, Double> after, String verb) {
        return after.getOrDefault(verb, 0.0) - before.getOrDefault(verb, 0.0);
    }

    /** An AdmissionReview (CREATE) of a Gateway on the ingress fixture with one HTTPS server per credential. */
    static String review(String name, List<String> credentials) {
        ObjectNode gateway = JSON.createObjectNode().put("apiVersion", "networking.istio.io/v1").put("kind", "Gateway");
        gateway.putObject("metadata").put("name", name).put("namespace", "default");
        ObjectNode spec = gateway.putObject("spec");
        spec.putObject("selector").put("istio", "ingressgateway");
        ArrayNode servers = spec.putArray("servers");
        for (int i = 0; i < credentials.size(); i++) {
            ObjectNode server = servers.addObject();
            server.putObject("port").put("number", 443).put("name", "https-" + i).put("protocol", "HTTPS");
            server.putArray("hosts").add("h" + i + "." + name + ".example.com");
            server.putObject("tls").put("mode", "SIMPLE").put("credentialName", credentials.get(i));
        }
        return admissionReview(gateway);
    }

    /** An AdmissionReview (CREATE) of an Istio object, as the API server sends it. */
    static String admissionReview(ObjectNode object) {
        ObjectNode review = JSON.createObjectNode().put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
        JsonNode metadata = object.path("metadata");
        ObjectNode request = review.putObject("request").put("uid", metadata.path("name").asText())
                .put("operation", "CREATE").put("namespace", metadata.path("namespace").asText());
        request.putObject("kind").put("group", "networking.istio.io").put("version", "v1")
                .put("kind", object.path("kind").asText());
        request.set("object", object);
        return review.toString();
    }

    List<String> missing(int n, String tag) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            names.add("missing-" + tag + "-" + run + "-" + i);
        }
        return names;
    }

    JsonNode validate(String body) {
        return validate(gw, body);
    }

    /** The AdmissionReview response a Gatewarden process gives to {@code body} (HTTP 200 asserted). */
    static JsonNode validate(GatewardenProcess gw, String body) {
        HttpResponse<String> r = gw.post("/validate", body);
        assertEquals(200, r.statusCode(), r.body());
        try {
            return JSON.readTree(r.body()).path("response");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(r.body(), e);
        }
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aReviewCostsAtMostOneSecretListWhateverTheNumberOfMissingCredentials() throws Exception {
        for (int servers : new int[] {10, 1_000}) {
            String body = review("gw-" + servers, missing(servers, "s" + servers));
            validate(body); // warm-up: the first question about istio-system may start its Secret cache
            Map<String, Double> before = secretRequests();
            int reviews = 5;
            for (int i = 0; i < reviews; i++) {
                String message = validate(body).path("status").path("message").asText();
                assertTrue(message.contains("[GW302]"), "missing credentials are reported: " + message);
            }
            Map<String, Double> after = secretRequests();
            System.out.printf("[ApiCallBoundIT] %d reviews of a %d-server Gateway, all credentials missing: secrets "
                    + "LIST +%.0f, GET +%.0f%n", reviews, servers, delta(before, after, "LIST"), delta(before, after, "GET"));
            assertEquals(0.0, delta(before, after, "GET"), "no GET per credential");
            assertTrue(delta(before, after, "LIST") <= reviews, "at most one LIST per review: " + after);
            assertTrue(delta(before, after, "LIST") >= 1, "the miss is confirmed live: " + after);
        }

        // Concurrent reviews share a LIST begun after they began: never more than one each.
        String body = review("gw-concurrent", missing(1_000, "c"));
        Map<String, Double> before = secretRequests();
        List<CompletableFuture<JsonNode>> all = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            all.add(CompletableFuture.supplyAsync(() -> validate(body)));
        }
        all.forEach(CompletableFuture::join);
        Map<String, Double> after = secretRequests();
        System.out.printf("[ApiCallBoundIT] 8 concurrent reviews: secrets LIST +%.0f, GET +%.0f%n",
                delta(before, after, "LIST"), delta(before, after, "GET"));
        assertEquals(0.0, delta(before, after, "GET"));
        assertTrue(delta(before, after, "LIST") <= 8, after.toString());

        // Every credential cached: no call at all.
        String present = "present-" + run;
        client.secrets().inNamespace("istio-system").resource(tlsSecret(present, "istio-system")).create();
        String cachedBody = review("gw-cached", List.of(present, present));
        Await.until("the new secret is judged present", Duration.ofSeconds(10), Duration.ofMillis(100),
                () -> validate(cachedBody).path("allowed").asBoolean(false), a -> a);
        before = secretRequests();
        for (int i = 0; i < 5; i++) {
            assertTrue(validate(cachedBody).path("allowed").asBoolean());
        }
        after = secretRequests();
        assertEquals(0.0, delta(before, after, "LIST") + delta(before, after, "GET"), "cache hits cost nothing: " + after);
    }

    /** A Secret created an instant before the review that names it is never reported missing. */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aSecretCreatedJustBeforeItsGatewayIsNotReportedMissing() throws Exception {
        for (int i = 0; i < 20; i++) {
            String name = "fresh-" + run + "-" + i;
            client.secrets().inNamespace("istio-system").resource(tlsSecret(name, "istio-system")).create();
            JsonNode response = validate(review("gw-fresh-" + i, List.of(name)));
            assertTrue(response.path("allowed").asBoolean(), "secret " + name + " judged missing: " + response);
            assertFalse(response.toString().contains("GW302"), response.toString());
        }
    }

    /** GW303 from the metadata-only index of Secret names: a same-named secret elsewhere is named, no call made. */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aSecretInTheWrongNamespaceIsFoundWithoutAnApiCall() throws Exception {
        String elsewhere = "it-elsewhere-" + run;
        cluster.ensureNamespace(elsewhere);
        String name = "misplaced-" + run;
        client.secrets().inNamespace(elsewhere).resource(tlsSecret(name, elsewhere)).create();
        String body = review("gw-misplaced", List.of(name));
        JsonNode first = Await.until("GW303 names " + elsewhere, Duration.ofSeconds(10), Duration.ofMillis(100),
                () -> validate(body), r -> r.path("status").path("message").asText().contains("[GW303]"));
        assertTrue(first.path("status").path("message").asText().contains("exists in " + elsewhere), first.toString());
        Map<String, Double> before = secretRequests();
        validate(body);
        Map<String, Double> after = secretRequests();
        assertEquals(0.0, delta(before, after, "GET"));
        assertTrue(delta(before, after, "LIST") <= 1, "only the istio-system confirmation: " + after);
    }

    static io.fabric8.kubernetes.api.model.Secret tlsSecret(String name, String namespace) throws Exception {
        return new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withType("kubernetes.io/tls")
                .withData(Map.of("tls.crt", b64("valid.crt"), "tls.key", b64("valid.key"))).build();
    }

    static String b64(String file) throws Exception {
        return Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of("certs-test", file)));
    }
}
