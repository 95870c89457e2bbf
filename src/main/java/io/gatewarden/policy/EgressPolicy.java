package io.gatewarden.policy;

import io.gatewarden.model.Hosts;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The egress part of the {@link Policy} (POL804, EG610): external host patterns that may be
 * declared, cluster-wide and per namespace. Off unless configured: a namespace with no list, here
 * or cluster-wide, is unrestricted.
 *
 * @param allowedHosts       cluster-wide patterns
 * @param allowedByNamespace per-namespace patterns, added to the cluster-wide ones
 * @param denyWildcardHosts  EG610 is an error instead of a warning
 */
public record EgressPolicy(List<String> allowedHosts, Map<String, List<String>> allowedByNamespace,
                           boolean denyWildcardHosts) {

    public EgressPolicy {
        allowedHosts = List.copyOf(allowedHosts);
        allowedByNamespace = Map.copyOf(allowedByNamespace);
    }

    public static EgressPolicy none() {
        return new EgressPolicy(List.of(), Map.of(), false);
    }

    /**
     * The patterns that apply to a namespace (cluster-wide plus its own, sorted), or empty when
     * no list applies there and egress is unrestricted.
     */
    public Optional<List<String>> allowList(String namespace) {
        TreeSet<String> patterns = new TreeSet<>(allowedHosts);
        patterns.addAll(allowedByNamespace.getOrDefault(namespace, List.of()));
        return patterns.isEmpty() ? Optional.empty() : Optional.of(List.copyOf(patterns));
    }

    /** The patterns that admit a host: the host must lie within one of them (Istio wildcard semantics). */
    public static boolean allows(List<String> patterns, String host) {
        for (String p : patterns) {
            if (Hosts.within(host, p)) {
                return true;
            }
        }
        return false;
    }
}
