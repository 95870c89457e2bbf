package io.gatewarden.rules;

import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.model.Resource;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Collects the findings of one Gateway, skipping any finding that a shape error of the same code
 * already reports at that field or inside it ({@code hosts: 7} is one GW102, not two). Used by the
 * Gateway families; the shape errors themselves are emitted by {@link GatewayStructureRules} only.
 */
final class GatewayFindings {
    private final Resource resource;
    private final List<Diagnostic> out;
    private final Set<String> explained = new HashSet<>();

    GatewayFindings(IstioGateway gw, List<Diagnostic> out) {
        this.resource = gw.resource();
        this.out = out;
        for (Diagnostic d : gw.shapeErrors()) {
            String field = d.field();
            explained.add(d.code() + " " + field);
            for (int i = 0; i < field.length(); i++) {
                if (field.charAt(i) == '.' || field.charAt(i) == '[') {
                    explained.add(d.code() + " " + field.substring(0, i));
                }
            }
        }
    }

    void add(Code code, String field, String message) {
        add(code, field, message, null);
    }

    /** With a short form for cut places (see {@link Diagnostic#brief()}). */
    void add(Code code, String field, String message, String brief) {
        if (!explained.contains(code + " " + field)) {
            out.add(Diagnostic.of(code, resource, field, message).withBrief(brief));
        }
    }
}
