package io.gatewarden.facts;

import io.gatewarden.cluster.Derivation;
import io.gatewarden.model.Kind;
import io.gatewarden.model.ReferenceGrant;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The stored ReferenceGrants by namespace: whether a Gateway API object may refer to an object in
 * another namespace (a Gateway to a Secret, a route to a Service). A reference within one namespace
 * needs no grant.
 */
public final class ReferenceGrants {
    public static final Derivation<ReferenceGrants> DERIVATION = Derivation.of("reference grants",
            Set.of(Kind.REFERENCE_GRANT), source -> new ReferenceGrants(source.get(Parsed.REFERENCE_GRANTS.stored()).list()));

    private final Map<String, List<ReferenceGrant>> byNamespace = new HashMap<>();

    private ReferenceGrants(List<ReferenceGrant> grants) {
        for (ReferenceGrant g : grants) {
            byNamespace.computeIfAbsent(g.resource().namespace(), k -> new ArrayList<>()).add(g);
        }
    }

    /**
     * Whether {@code from} (a kind of the Gateway API group in {@code fromNamespace}) may refer to
     * {@code toName} of core kind {@code toKind} in {@code toNamespace}.
     */
    public boolean allows(Kind from, String fromNamespace, String toKind, String toNamespace, String toName) {
        if (fromNamespace.equals(toNamespace)) {
            return true;
        }
        for (ReferenceGrant g : byNamespace.getOrDefault(toNamespace, List.of())) {
            if (g.allows(from.group(), from.kind(), fromNamespace, "", toKind, toName)) {
                return true;
            }
        }
        return false;
    }
}
