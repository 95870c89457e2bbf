package io.gatewarden.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatewarden.cluster.StaticClusterView;
import io.gatewarden.demands.RenewalPolicy;
import io.gatewarden.demands.Plan;
import io.gatewarden.demands.PlanEntry;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.diagnostics.ObjectRef;
import io.gatewarden.diagnostics.Severity;
import io.gatewarden.model.Resource;
import io.gatewarden.rules.Engine;
import io.gatewarden.facts.Facts;
import io.gatewarden.facts.SecretAssessments;

import java.util.List;

/** The result of analyzing a set of manifests: findings and the certificate plan. */
public record Analysis(List<Diagnostic> diagnostics, List<PlanEntry> plan) {

    public static Analysis of(List<Resource> resources, Engine engine) {
        Facts facts = engine.facts(new StaticClusterView(resources));
        return new Analysis(engine.checkAll(facts),
                Plan.of(facts, new RenewalPolicy(engine.settings().renewal()).offline(engine.settings().clock(),
                        facts.stored(SecretAssessments.DERIVATION))));
    }

    /** {@code Kind/namespace/name,...}: the plan's "for", as analyze has always printed it. */
    private static String displayed(List<ObjectRef> refs) {
        return String.join(",", refs.stream().map(ObjectRef::display).toList());
    }

    public boolean hasErrors() {
        return diagnostics.stream().anyMatch(d -> d.severity() == Severity.ERROR);
    }

    public String toText() {
        StringBuilder sb = new StringBuilder();
        for (Diagnostic d : diagnostics) {
            sb.append(d.toLine()).append('\n');
        }
        for (PlanEntry p : plan) {
            sb.append("PLAN ").append(p.action()).append(' ').append(p.namespace()).append('/').append(p.name())
                    .append(" dnsNames=").append(String.join(",", p.dnsNames()))
                    .append(" for ").append(displayed(p.forResources())).append(" reason=").append(p.reason().label())
                    .append('\n');
        }
        return sb.toString();
    }

    public ObjectNode toJson(ObjectMapper mapper) {
        ObjectNode root = mapper.createObjectNode();
        ArrayNode ds = root.putArray("diagnostics");
        for (Diagnostic d : diagnostics) {
            ds.addObject().put("code", d.code().name()).put("severity", d.severity().label()).put("kind", d.kind())
                    .put("namespace", d.namespace()).put("name", d.name()).put("field", d.field())
                    .put("message", d.message());
        }
        ArrayNode ps = root.putArray("plan");
        for (PlanEntry p : plan) {
            ObjectNode o = ps.addObject().put("action", p.action()).put("namespace", p.namespace()).put("name", p.name());
            p.dnsNames().forEach(o.putArray("dnsNames")::add);
            o.put("for", displayed(p.forResources()));
            o.put("reason", p.reason().label());
        }
        return root;
    }
}
