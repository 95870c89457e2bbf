package io.gatewarden.facts;

import io.gatewarden.cluster.Derivation;
import io.gatewarden.model.K8sGateway;
import io.gatewarden.model.Kind;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The stored Gateway API Gateways indexed once per stored state: by namespace/name (where routes
 * attach), by name (a Gateway of that name elsewhere), and their listeners by port and hostname (an
 * Istio Gateway server claiming the same, GA710). Reads Gateway API Gateways only.
 */
public final class ListenerIndex {
    public static final Derivation<ListenerIndex> DERIVATION = Derivation.of("listener index",
            Set.of(Kind.K8S_GATEWAY), source -> new ListenerIndex(source.get(Parsed.K8S_GATEWAYS.stored()).list()));

    /** A listener of some Gateway. */
    public record ListenerRef(K8sGateway gateway, K8sGateway.Listener listener) {
    }

    private final Map<String, K8sGateway> byName = new HashMap<>();
    private final Map<String, Set<String>> namespacesByName = new HashMap<>();
    private final Map<String, List<ListenerRef>> byPortAndHost = new HashMap<>();

    private ListenerIndex(List<K8sGateway> gateways) {
        for (K8sGateway gw : gateways) {
            byName.put(gw.resource().namespace() + "/" + gw.resource().name(), gw);
            namespacesByName.computeIfAbsent(gw.resource().name(), k -> new HashSet<>()).add(gw.resource().namespace());
            for (K8sGateway.Listener l : gw.listeners()) {
                if (l.port() != null) {
                    byPortAndHost.computeIfAbsent(key(l.port(), hostKey(l)), k -> new ArrayList<>()).add(new ListenerRef(gw, l));
                }
            }
        }
    }

    /** The stored Gateway {@code namespace/name}, or null. */
    public K8sGateway gateway(String namespace, String name) {
        return byName.get(namespace + "/" + name);
    }

    /** Namespaces holding a Gateway API Gateway of that name. */
    public Set<String> namespacesOf(String name) {
        return namespacesByName.getOrDefault(name, Set.of());
    }

    /** Listeners on that port for that host (as {@link GatewayIndex#dnsKey}; {@code *} for a listener without hostname). */
    public List<ListenerRef> onPortAndHost(int port, String dnsKey) {
        return byPortAndHost.getOrDefault(key(port, dnsKey), List.of());
    }

    /** The host a listener claims, as {@link GatewayIndex#dnsKey}: {@code *} when it has no hostname. */
    public static String hostKey(K8sGateway.Listener l) {
        return l.hostname() == null ? "*" : GatewayIndex.dnsKey(l.hostname());
    }

    private static String key(int port, String host) {
        return port + "\u0000" + host;
    }
}
