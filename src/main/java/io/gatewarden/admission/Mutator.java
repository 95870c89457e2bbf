package io.gatewarden.admission;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatewarden.model.Resource;

import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;

/**
 * The mutating webhook's answer, as a pure function of the review: always allowed; a JSONPatch
 * ({@code patchType: JSONPatch}) only when a default applies, and one {@code response.warnings}
 * line per applied default. Dry-run requests get the same answer: the webhook has no side effects
 * (secrets are created by the certificate manager from stored Gateways only).
 */
public final class Mutator {
    private final DefaultSettings settings;

    public Mutator(DefaultSettings settings) {
        this.settings = settings;
    }

    public record Outcome(ObjectNode review, String kind, List<Defaulter.Change> changes) {
        public boolean patched() {
            return !changes.isEmpty();
        }
    }

    public Outcome mutate(ReviewRequest request, ObjectMapper mapper) {
        if (request.object() == null) {
            return new Outcome(response(mapper, request.uid(), List.of()), request.kind(), List.of());
        }
        Resource resource = request.resource();
        List<Defaulter.Change> changes = Defaulter.changes(request.object(), resource.namespace(), settings);
        return new Outcome(response(mapper, request.uid(), changes), resource.kind(), changes);
    }

    static ObjectNode response(ObjectMapper mapper, String uid, List<Defaulter.Change> changes) {
        ObjectNode review = mapper.createObjectNode().put("apiVersion", ReviewRequest.API_VERSION).put("kind", "AdmissionReview");
        ObjectNode response = review.putObject("response").put("uid", uid).put("allowed", true);
        if (changes.isEmpty()) {
            return review;
        }
        byte[] patch;
        try {
            patch = mapper.writeValueAsBytes(Defaulter.patch(changes));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        response.put("patchType", "JSONPatch").put("patch", Base64.getEncoder().encodeToString(patch));
        ArrayNode warnings = response.putArray("warnings");
        for (int i = 0; i < changes.size() && i < Verdict.MAX_WARNINGS; i++) {
            warnings.add(WarningLine.fit("", changes.get(i).warning()));
        }
        if (changes.size() > Verdict.MAX_WARNINGS) {
            warnings.add((changes.size() - Verdict.MAX_WARNINGS) + " more defaults applied: annotation "
                    + Defaulter.DEFAULTED_ANNOTATION + " lists their codes; compare the stored object with your manifest");
        }
        return review;
    }

    /** Allowed, no patch, one warning saying why: the answer when defaulting itself failed. */
    static ObjectNode unchanged(ObjectMapper mapper, String uid, String warning) {
        ObjectNode review = response(mapper, uid, List.of());
        ((ObjectNode) review.get("response")).putArray("warnings").add(WarningLine.fit("", warning));
        return review;
    }
}
