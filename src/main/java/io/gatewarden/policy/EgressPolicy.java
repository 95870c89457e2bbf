package io.gatewarden.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatewarden.cluster.ClusterView;
import io.gatewarden.config.GatewardenConfig;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The organisation's egress policy (POL804, EG610): external host patterns that may be
 * declared, cluster-wide and per namespace, from configuration and from an optional ConfigMap
 * that the cluster view holds (watched in the cluster, read from the files by analyze).
 * Off unless configured: a namespace with no list, here or cluster-wide, is unrestricted.
 *
 * <p>ConfigMap keys: {@code allowed-hosts} (cluster-wide), {@code namespace.<ns>} (one
 * namespace), values separated by commas, spaces or new lines, {@code #} starting a comment;
 * {@code deny-wildcard-hosts: "true"} makes EG610 an error.
 *
 * @param allowedHosts       cluster-wide patterns from configuration
 * @param allowedByNamespace per-namespace patterns from configuration
 * @param configMapNamespace namespace of the policy ConfigMap
 * @param configMapName      name of the policy ConfigMap; null or empty for none
 * @param denyWildcardHosts  EG610 is an error instead of a warning
 */
public record EgressPolicy(List<String> allowedHosts, Map<String, List<String>> allowedByNamespace,
                           String configMapNamespace, String configMapName, boolean denyWildcardHosts) {

    public static final String CLUSTER_KEY = "allowed-hosts";
    public static final String NAMESPACE_KEY_PREFIX = "namespace.";
    public static final String DENY_WILDCARD_KEY = "deny-wildcard-hosts";
    public static final String DEFAULT_CONFIG_MAP = "gatewarden-egress-policy";

    public static EgressPolicy none() {
        return new EgressPolicy(List.of(), Map.of(), "gatewarden", DEFAULT_CONFIG_MAP, false);
    }

    /** From the service's {@code gatewarden.egress.*} settings. */
    public static EgressPolicy from(GatewardenConfig config) {
        GatewardenConfig.Egress e = config.egress();
        return new EgressPolicy(e.allowedHosts().orElse(List.of()), e.namespaceAllowedHosts(), config.namespace(),
                e.configMap(), e.denyWildcardHosts());
    }

    /**
     * The patterns that apply to a namespace (cluster-wide plus its own, sorted), or empty when
     * no list applies there and egress is unrestricted.
     */
    public Optional<List<String>> allowList(String namespace, ClusterView view) {
        TreeSet<String> patterns = new TreeSet<>(allowedHosts);
        patterns.addAll(allowedByNamespace.getOrDefault(namespace, List.of()));
        configMap(view).ifPresent(data -> {
            patterns.addAll(split(data.path(CLUSTER_KEY)));
            patterns.addAll(split(data.path(NAMESPACE_KEY_PREFIX + namespace)));
        });
        return patterns.isEmpty() ? Optional.empty() : Optional.of(List.copyOf(patterns));
    }

    /** Whether wildcard ServiceEntry hosts are denied (EG610 as an error). */
    public boolean wildcardDenied(ClusterView view) {
        return denyWildcardHosts || configMap(view)
                .map(d -> d.path(DENY_WILDCARD_KEY).asText("").trim().equalsIgnoreCase("true")).orElse(false);
    }

    /** The patterns that admit a host: the host must lie within one of them (Istio wildcard semantics). */
    public static boolean allows(List<String> patterns, String host) {
        for (String p : patterns) {
            if (io.gatewarden.model.Hosts.within(host, p)) {
                return true;
            }
        }
        return false;
    }

    private Optional<JsonNode> configMap(ClusterView view) {
        if (configMapName == null || configMapName.isEmpty()) {
            return Optional.empty();
        }
        for (Resource r : view.resources(Kind.CONFIG_MAP)) {
            if (r.name().equals(configMapName) && r.namespace().equals(configMapNamespace)) {
                return Optional.of(r.body().path("data"));
            }
        }
        return Optional.empty();
    }

    public static List<String> split(JsonNode value) {
        if (!value.isTextual()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String line : value.asText().split("\n")) {
            int hash = line.indexOf('#');
            String content = hash < 0 ? line : line.substring(0, hash);
            for (String token : content.split("[,\\s]+")) {
                if (!token.isEmpty()) {
                    out.add(token.toLowerCase(java.util.Locale.ROOT));
                }
            }
        }
        return out;
    }
}
