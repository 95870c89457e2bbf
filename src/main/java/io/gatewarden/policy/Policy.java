package io.gatewarden.policy;

import io.gatewarden.config.GatewardenConfig;
import io.gatewarden.model.Hosts;
import io.gatewarden.model.TlsVersion;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The organisation's policy, one model for every POL code: the egress allow-list (POL804, EG610), host
 * ownership (POL801), credential ownership (POL806), the TLS floor (POL802), wildcard HTTPS hosts
 * (POL803) and HTTP without redirect (POL805). Off unless configured. Built from the
 * {@code gatewarden.policy.*} and {@code gatewarden.egress.*} settings, then the policy ConfigMaps
 * ({@link PolicyDocument}) add to it.
 *
 * @param hostOwners       namespace to the host patterns it owns (mode {@code map})
 * @param denyUnownedHosts mode {@code map}: a host no namespace's patterns cover is denied (else free)
 * @param exemptLabel      namespaces carrying this label ({@code key=value}) are not held to POL801/POL806
 *                         and their claims count for no one (platform teams, shared gateways)
 * @param tlsFloor         POL802: the lowest minProtocolVersion allowed; null when off
 * @param configMap        the policy ConfigMap ({@code namespace/name}) users are pointed to in messages
 */
public record Policy(EgressPolicy egress, HostOwnership hostOwnership, Map<String, List<String>> hostOwners,
                     boolean denyUnownedHosts, boolean credentialOwnership, String exemptLabel, TlsVersion tlsFloor,
                     boolean denyWildcardHttpsHosts, boolean requireHttpsRedirect, String configMap) {

    public static final String DEFAULT_EXEMPT_LABEL = "gatewarden.io/policy=exempt";

    /** Who owns a host (POL801). */
    public enum HostOwnership {
        /** No ownership check. */
        OFF,
        /** The namespaces of {@link #hostOwners} own their patterns. */
        MAP,
        /** The namespace whose resource claimed a host first owns it (as OpenShift's router does). */
        FIRST_CLAIM;

        public static HostOwnership parse(String value) {
            String v = value.strip().toLowerCase(Locale.ROOT);
            return switch (v) {
                case "off", "" -> OFF;
                case "map" -> MAP;
                case "first-claim" -> FIRST_CLAIM;
                default -> throw new IllegalArgumentException("\"" + value + "\" is not off, map or first-claim");
            };
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public Policy {
        hostOwners = Map.copyOf(new TreeMap<>(hostOwners));
    }

    /** Nothing enforced. */
    public static Policy none() {
        return new Policy(EgressPolicy.none(), HostOwnership.OFF, Map.of(), false, false, DEFAULT_EXEMPT_LABEL, null,
                false, false, "gatewarden/gatewarden-policy");
    }

    /**
     * From the service's {@code gatewarden.policy.*} and {@code gatewarden.egress.*} settings.
     *
     * @throws IllegalArgumentException with {@link #problems} when a setting does not parse
     */
    public static Policy from(GatewardenConfig config) {
        List<String> problems = problems(config);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        GatewardenConfig.Egress e = config.egress();
        GatewardenConfig.Policy p = config.policy();
        return new Policy(new EgressPolicy(lower(e.allowedHosts().orElse(List.of())), lowerValues(e.namespaceAllowedHosts()),
                e.denyWildcardHosts()), HostOwnership.parse(p.hostOwnership()), lowerValues(p.hosts()),
                unownedDenied(p.unownedHosts()), p.credentialOwnership(), p.exemptNamespaceLabel(),
                PolicyDocument.tlsFloor(p.tlsMinVersion()), p.denyWildcardHttpsHosts(), p.requireHttpsRedirect(),
                config.namespace() + "/" + config.policy().configMap());
    }

    /** The policy settings that do not parse, one line each naming the setting, the value and the choices. */
    public static List<String> problems(GatewardenConfig config) {
        GatewardenConfig.Policy p = config.policy();
        List<String> problems = new ArrayList<>();
        check(problems, "host-ownership", () -> HostOwnership.parse(p.hostOwnership()));
        check(problems, "unowned-hosts", () -> unownedDenied(p.unownedHosts()));
        check(problems, "tls-min-version", () -> PolicyDocument.tlsFloor(p.tlsMinVersion()));
        return List.copyOf(problems);
    }

    private static void check(List<String> problems, String key, Runnable parse) {
        try {
            parse.run();
        } catch (IllegalArgumentException e) {
            problems.add("gatewarden.policy." + key + ": " + e.getMessage());
        }
    }

    /** {@code unowned-hosts}: whether {@code deny} (else {@code allow}). */
    static boolean unownedDenied(String value) {
        String u = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        if (!u.equals("allow") && !u.equals("deny")) {
            throw new IllegalArgumentException("\"" + value + "\" is not allow or deny");
        }
        return u.equals("deny");
    }

    public Policy withEgress(EgressPolicy e) {
        return new Policy(e, hostOwnership, hostOwners, denyUnownedHosts, credentialOwnership, exemptLabel, tlsFloor,
                denyWildcardHttpsHosts, requireHttpsRedirect, configMap);
    }

    /** Where a POL setting is made, for messages: the settings, or the policy ConfigMap. */
    public String configuredIn() {
        return "gatewarden.policy.* or the ConfigMap " + configMap;
    }

    /** Whether a namespace with these labels is exempt from host and credential ownership. */
    public boolean exempt(Map<String, String> namespaceLabels) {
        if (exemptLabel == null || exemptLabel.isBlank()) {
            return false;
        }
        int eq = exemptLabel.indexOf('=');
        String key = eq < 0 ? exemptLabel.strip() : exemptLabel.substring(0, eq).strip();
        String value = eq < 0 ? null : exemptLabel.substring(eq + 1).strip();
        String has = namespaceLabels.get(key);
        return has != null && (value == null || value.equals(has));
    }

    /**
     * Mode {@code map}: the namespaces whose patterns cover a host, with the covering pattern (sorted by
     * namespace). Empty when no entry covers it (an unowned host).
     */
    public Map<String, String> mappedOwners(String host) {
        Map<String, String> owners = new TreeMap<>();
        hostOwners.forEach((ns, patterns) -> patterns.stream().filter(p -> Hosts.within(host, p)).findFirst()
                .ifPresent(p -> owners.put(ns, p)));
        return owners;
    }

    /** The patterns one namespace owns in mode {@code map}. */
    public Optional<List<String>> ownedBy(String namespace) {
        return Optional.ofNullable(hostOwners.get(namespace));
    }

    static List<String> lower(List<String> values) {
        return values.stream().map(v -> v.strip().toLowerCase(Locale.ROOT)).filter(v -> !v.isEmpty()).toList();
    }

    static Map<String, List<String>> lowerValues(Map<String, List<String>> byKey) {
        Map<String, List<String>> out = new TreeMap<>();
        byKey.forEach((k, v) -> out.put(k, lower(v)));
        return out;
    }
}
