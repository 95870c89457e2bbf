package io.gatewarden.rules;

import io.gatewarden.policy.EgressPolicy;
import io.gatewarden.facts.Facts;
import com.fasterxml.jackson.databind.JsonNode;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.model.ServiceEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Locale;
import java.util.Optional;

/**
 * POL804: the egress allow-list ({@link EgressPolicy}). Off unless a list applies to the namespace.
 * <ul>
 *   <li>on a MESH_EXTERNAL ServiceEntry, every host that lies within no pattern of the list (a
 *       wildcard host only passes when the whole wildcard lies within a pattern)</li>
 *   <li>on a Sidecar ({@link Sidecars}), {@code outboundTrafficPolicy.mode: ALLOW_ANY}, which lets the
 *       namespace's workloads reach any host and so bypasses the list</li>
 * </ul>
 */
public final class EgressPolicyRules implements Rule {
    /** How many patterns a message lists before "and N more". */
    private static final int LISTED = 10;

    @Override
    public Kind kind() {
        return Kind.SERVICE_ENTRY;
    }

    @Override
    public Set<Code> codes() {
        return Set.of(Code.POL804);
    }

    @Override
    public Set<Kind> reads() {
        return Set.of(Kind.SERVICE_ENTRY, Kind.CONFIG_MAP);
    }

    @Override
    public void check(Resource resource, Facts facts, List<Diagnostic> out) {
        Optional<List<String>> allowList = allowList(resource.namespace(), facts);
        if (allowList.isEmpty()) {
            return;
        }
        ServiceEntry se = facts.serviceEntry(resource);
        if (!se.meshExternal()) {
            return;
        }
        List<String> patterns = allowList.get();
        for (ServiceEntry.Host h : se.hosts()) {
            if (h.value().isEmpty() || EgressPolicy.allows(patterns, h.value())) {
                continue;
            }
            out.add(Diagnostic.of(Code.POL804, resource, h.path(), (h.wildcard() ? "wildcard host \"" : "host \"")
                    + h.value() + "\" is outside the egress allow-list for namespace " + resource.namespace()
                    + " (" + listed(patterns) + "): ask the platform team to add it to " + where(facts)));
        }
    }

    /** The patterns for a namespace, read once per namespace and evaluation. */
    static Optional<List<String>> allowList(String namespace, Facts facts) {
        return facts.policy().egress().allowList(namespace);
    }

    static String listed(List<String> patterns) {
        List<String> shown = new ArrayList<>(patterns.subList(0, Math.min(LISTED, patterns.size())));
        if (patterns.size() > LISTED) {
            shown.add("and " + (patterns.size() - LISTED) + " more");
        }
        return String.join(", ", shown);
    }

    /** Where the list is configured: the setting, or the policy ConfigMap. */
    static String where(Facts facts) {
        return "gatewarden.egress.allowed-hosts or the ConfigMap " + facts.policy().configMap();
    }

    /** POL804 on Sidecars: ALLOW_ANY in a namespace under an allow-list. */
    public static final class Sidecars implements Rule {
        @Override
        public Kind kind() {
            return Kind.SIDECAR;
        }

        @Override
        public Set<Code> codes() {
            return Set.of(Code.POL804);
        }

        @Override
        public Set<Kind> reads() {
            return Set.of(Kind.CONFIG_MAP);
        }

        @Override
        public void check(Resource resource, Facts facts, List<Diagnostic> out) {
            JsonNode mode = resource.spec().path("outboundTrafficPolicy").path("mode");
            if (!mode.isTextual() || !mode.asText().trim().toUpperCase(Locale.ROOT).equals("ALLOW_ANY")) {
                return;
            }
            Optional<List<String>> allowList = allowList(resource.namespace(), facts);
            if (allowList.isEmpty()) {
                return;
            }
            out.add(Diagnostic.of(Code.POL804, resource, "spec.outboundTrafficPolicy.mode", "mode ALLOW_ANY lets "
                    + "the workloads of namespace " + resource.namespace() + " reach any host, bypassing the egress "
                    + "allow-list (" + listed(allowList.get()) + "): use REGISTRY_ONLY, and declare the external "
                    + "hosts they need with ServiceEntries"));
        }
    }
}
