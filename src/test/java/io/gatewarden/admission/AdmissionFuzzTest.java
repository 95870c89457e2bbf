package io.gatewarden.admission;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatewarden.GoldenCorpus;
import io.gatewarden.cluster.StaticClusterView;
import io.gatewarden.facts.RuleSettings;
import io.gatewarden.rules.Engine;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /validate} on arbitrary bodies, against the seed scenario's cluster: a body is either bad
 * input ({@link BadReviewException}, HTTP 400 with a message) or gets a verdict for its uid. Any other
 * exception is a failure: the endpoint would answer it with an internal-error denial.
 */
class AdmissionFuzzTest {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final Validator VALIDATOR = new Validator(new Engine(RuleSettings.defaults()), 20);
    static final StaticClusterView CLUSTER = seedCluster();

    static StaticClusterView seedCluster() {
        try {
            return new StaticClusterView(GoldenCorpus.read(Path.of("src/test/resources/cases/clean-seed")).resources());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The review, or null for bad input, which must come with a message (the 400's body). */
    static ReviewRequest parsedOrBad(byte[] body) {
        try {
            return ReviewRequest.parse(body, MAPPER);
        } catch (BadReviewException bad) {
            assertFalse(bad.getMessage().isBlank());
            return null;
        }
    }

    @FuzzTest(maxDuration = "30s")
    void validate(byte[] body) {
        ReviewRequest request = parsedOrBad(body);
        if (request == null) {
            return;
        }
        JsonNode response = VALIDATOR.validate(request, CLUSTER, MAPPER).review().get("response");
        assertEquals(request.uid(), response.get("uid").asText());
        assertTrue(response.get("allowed").isBoolean(), response::toString);
        if (!response.get("allowed").asBoolean()) {
            assertFalse(response.path("status").path("message").asText().isBlank(), response::toString);
        }
        response.path("warnings").forEach(w -> assertTrue(w.asText().length() <= WarningLine.MAX, w::asText));
    }
}
