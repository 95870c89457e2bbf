package io.gatewarden.admission;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.diagnostics.Severity;

import java.util.List;

/**
 * Turns findings into an AdmissionReview response: errors deny with every error listed in
 * {@code status.message}; warnings and infos go to {@code response.warnings}, which kubectl prints.
 */
public final class Verdict {
    /** The API server drops warnings beyond 4 KiB in total; each line fits in {@link WarningLine#MAX}. */
    static final int MAX_WARNINGS = 12;

    private Verdict() {
    }

    public static boolean allowed(List<Diagnostic> findings) {
        return findings.stream().noneMatch(d -> d.severity() == Severity.ERROR);
    }

    public static ObjectNode response(ObjectMapper mapper, String uid, String resourceRef, List<Diagnostic> findings,
                                      int maxErrors) {
        ObjectNode review = mapper.createObjectNode().put("apiVersion", ReviewRequest.API_VERSION).put("kind", "AdmissionReview");
        ObjectNode response = review.putObject("response").put("uid", uid);
        List<Diagnostic> errors = findings.stream().filter(d -> d.severity() == Severity.ERROR).toList();
        response.put("allowed", errors.isEmpty());
        if (!errors.isEmpty()) {
            response.putObject("status").put("code", 403).put("reason", "Forbidden")
                    .put("message", denialMessage(resourceRef, errors, maxErrors));
        }
        List<Diagnostic> notes = findings.stream().filter(d -> d.severity() != Severity.ERROR).toList();
        if (!notes.isEmpty()) {
            ArrayNode warnings = response.putArray("warnings");
            for (int i = 0; i < notes.size() && i < MAX_WARNINGS; i++) {
                warnings.add(WarningLine.of(notes.get(i)));
            }
            if (notes.size() > MAX_WARNINGS) {
                warnings.add((notes.size() - MAX_WARNINGS) + " more findings: run gatewarden analyze on this resource");
            }
        }
        return review;
    }

    /** {@code Gatewarden denied Gateway default/gw: [GW303] spec...: message; [GW104] ...}. */
    static String denialMessage(String resourceRef, List<Diagnostic> errors, int maxErrors) {
        StringBuilder sb = new StringBuilder("Gatewarden denied ").append(resourceRef).append(": ");
        for (int i = 0; i < errors.size() && i < maxErrors; i++) {
            Diagnostic d = errors.get(i);
            sb.append(i == 0 ? "" : "; ").append('[').append(d.code()).append("] ").append(d.field()).append(": ")
                    .append(d.message());
        }
        if (errors.size() > maxErrors) {
            sb.append("; and ").append(errors.size() - maxErrors).append(" more errors (run gatewarden analyze to see all)");
        }
        return sb.toString();
    }
}
