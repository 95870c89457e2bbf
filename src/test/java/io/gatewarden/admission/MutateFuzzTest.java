package io.gatewarden.admission;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.zjsonpatch.JsonPatch;

import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /mutate} on arbitrary bodies: bad input is a {@link BadReviewException}; otherwise the
 * answer allows, its JSONPatch applies cleanly to the object under review, and the patched object
 * needs no further patch (the API server may call the webhook again after other mutations).
 */
class MutateFuzzTest {
    static final ObjectMapper MAPPER = AdmissionFuzzTest.MAPPER;
    static final Mutator MUTATOR = new Mutator(DefaultSettings.defaults());

    @FuzzTest(maxDuration = "30s")
    void mutate(byte[] body) throws Exception {
        ReviewRequest request = AdmissionFuzzTest.parsedOrBad(body);
        if (request == null) {
            return;
        }
        Mutator.Outcome outcome = MUTATOR.mutate(request, MAPPER);
        JsonNode response = outcome.review().get("response");
        assertEquals(request.uid(), response.get("uid").asText());
        assertTrue(response.get("allowed").asBoolean());
        if (!outcome.patched()) {
            return;
        }
        JsonNode patch = MAPPER.readTree(Base64.getDecoder().decode(response.get("patch").asText()));
        JsonNode patched = JsonPatch.apply(patch, request.object());
        ReviewRequest again = new ReviewRequest(request.uid(), request.group(), request.version(), request.kind(),
                request.operation(), request.namespace(), patched, request.dryRun());
        Mutator.Outcome second = MUTATOR.mutate(again, MAPPER);
        assertFalse(second.patched(), () -> "not idempotent: " + second.changes() + " after " + patch);
    }
}
