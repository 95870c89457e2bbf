package io.gatewarden.model;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Istio host names: the {@code [namespace/]dnsName} grammar of Gateway servers and the wildcard
 * semantics Istio uses to bind routes ({@code *.example.com} covers every name below example.com,
 * unlike a TLS certificate wildcard, which covers one label).
 */
public final class Hosts {
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?");
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    private Hosts() {
    }

    /** A server host split at the first '/': {@code namespace} is null when there is none. */
    public record GatewayHost(String namespace, String dnsName) {
        public static GatewayHost parse(String host) {
            int slash = host.indexOf('/');
            return slash < 0 ? new GatewayHost(null, host) : new GatewayHost(host.substring(0, slash), host.substring(slash + 1));
        }

        /**
         * Whether a VirtualService in {@code vsNamespace} may use this host: {@code ns/host} only from ns,
         * {@code ./host} only from the Gateway's own namespace, {@code * /host} or no prefix from anywhere.
         */
        public boolean visibleFrom(String vsNamespace, String gatewayNamespace) {
            if (namespace == null || namespace.equals("*")) {
                return true;
            }
            return namespace.equals(".") ? vsNamespace.equals(gatewayNamespace) : vsNamespace.equals(namespace);
        }
    }

    /** What is wrong with a Gateway server host, or empty when it is valid (GW103). */
    public static Optional<String> serverHostProblem(String host) {
        int slash = host.indexOf('/');
        if (slash >= 0) {
            String ns = host.substring(0, slash);
            String dns = host.substring(slash + 1);
            if (ns.isEmpty() || dns.isEmpty()) {
                return Optional.of("both sides of '/' must be set: namespace/dnsName");
            }
            if (dns.contains("/")) {
                return Optional.of("only one '/' is allowed: namespace/dnsName");
            }
            if (!ns.equals("*") && !ns.equals(".") && !(ns.length() <= 63 && NAMESPACE.matcher(ns).matches())) {
                return Optional.of("namespace \"" + ns + "\" must be '*', '.' or a namespace name (DNS-1123 label)");
            }
            return dnsNameProblem(dns);
        }
        return dnsNameProblem(host);
    }

    /**
     * What is wrong with a DNS name that may carry one leading wildcard label, or empty when valid.
     * Short (dot-less) names other than {@code *} are rejected: they only resolve inside a namespace.
     */
    public static Optional<String> dnsNameProblem(String name) {
        if (name.equals("*")) {
            return Optional.empty();
        }
        if (name.length() > 255) {
            return Optional.of("longer than 255 characters");
        }
        String rest = name;
        if (name.startsWith("*.")) {
            rest = name.substring(2);
        } else if (name.startsWith("*")) {
            return Optional.of("partial wildcard: a wildcard must be a whole leading label, as in *.example.com");
        }
        if (rest.contains("*")) {
            return Optional.of("a wildcard is only allowed as the whole first label (*.example.com)");
        }
        String trimmed = rest.endsWith(".") ? rest.substring(0, rest.length() - 1) : rest;
        if (!name.startsWith("*.") && !trimmed.contains(".")) {
            return Optional.of("short name: use a fully qualified name such as " + trimmed + ".example.com, or *");
        }
        for (String label : trimmed.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || !LABEL.matcher(label).matches()) {
                return Optional.of("label \"" + label + "\" is not a DNS-1123 label (letters, digits and '-', at most 63)");
            }
        }
        return Optional.empty();
    }

    /** Istio's match between two hosts: equal, or one's wildcard covers the other (either way). */
    public static boolean intersect(String a, String b) {
        a = norm(a);
        b = norm(b);
        return a.equals(b) || within(a, b) || within(b, a);
    }

    /** True when every name {@code host} stands for is also covered by {@code pattern} (Istio semantics). */
    public static boolean within(String host, String pattern) {
        host = norm(host);
        pattern = norm(pattern);
        if (pattern.equals("*") || host.equals(pattern)) {
            return true;
        }
        if (host.equals("*")) {
            return false;
        }
        if (pattern.startsWith("*.")) {
            String suffix = pattern.substring(1); // ".example.com"
            String h = host.startsWith("*.") ? host.substring(1) : host;
            return h.endsWith(suffix) && h.length() > suffix.length();
        }
        return false;
    }

    private static String norm(String h) {
        String s = h.toLowerCase(Locale.ROOT);
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    /** The DNS suffix of Kubernetes service names. */
    public static final String CLUSTER_SUFFIX = ".svc.cluster.local";

    /**
     * The Service a (normalised) name that clients call stands for, or null when it is not a Kubernetes
     * service name (short names resolve in {@code fromNamespace}): {@code svc}, {@code svc.ns},
     * {@code svc.ns.svc}, {@code svc.ns.svc.cluster.local}, as DNS search paths resolve them. Not how Istio
     * resolves a route destination, which expands only names without dots ({@code ServiceRegistry.qualifiedHost}).
     */
    public static NamespacedName serviceName(String host, String fromNamespace) {
        String[] parts = host.split("\\.", -1);
        for (String p : parts) {
            if (p.isEmpty() || p.equals("*")) {
                return null;
            }
        }
        if (parts.length == 1) {
            return new NamespacedName(fromNamespace, parts[0]);
        }
        if (parts.length == 2 || (parts.length == 3 && parts[2].equals("svc"))
                || (parts.length == 5 && host.endsWith(CLUSTER_SUFFIX))) {
            return new NamespacedName(parts[1], parts[0]);
        }
        return null;
    }

}
