package io.gatewarden.facts;

import io.gatewarden.cluster.Derivation;
import io.gatewarden.model.HostSet;
import io.gatewarden.model.Hosts;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.model.ServerProtocol;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The stored Istio Gateways indexed once per stored state: by namespace/name (route binding,
 * RT501), by name (a Gateway of that name elsewhere), by listener (port, bind, host: GW401) and by
 * credential name (GW402). Reads Gateways only, so workload churn leaves it alone.
 */
public final class GatewayIndex {
    public static final Derivation<GatewayIndex> DERIVATION = Derivation.of("gateway index",
            Set.of(Kind.ISTIO_GATEWAY), source -> new GatewayIndex(source.get(Parsed.GATEWAYS.stored()).list()));

    /** A server of some Gateway found under an index key, with the field that put it there. */
    public record ServerRef(IstioGateway gateway, IstioGateway.Server server, String field) {
    }

    private final Map<String, IstioGateway> byName = new HashMap<>();
    private final Map<String, Set<String>> namespacesByName = new HashMap<>();
    private final Map<String, List<ServerRef>> byListener = new HashMap<>();
    private final Map<String, List<ServerRef>> byCredential = new HashMap<>();
    private final Map<String, List<ServerRef>> httpsByHost = new HashMap<>();

    private GatewayIndex(List<IstioGateway> gateways) {
        for (IstioGateway gw : gateways) {
            Resource r = gw.resource();
            byName.put(r.namespace() + "/" + r.name(), gw);
            namespacesByName.computeIfAbsent(r.name(), k -> new HashSet<>()).add(r.namespace());
            if (gw.selector().isEmpty()) {
                continue; // claims no workload, hence no listener or credential conflict
            }
            for (IstioGateway.Server server : gw.servers()) {
                if (server == null) {
                    continue;
                }
                if (server.port() != null && server.port().number() != null) {
                    Set<String> seen = new HashSet<>();
                    for (String host : server.hosts()) {
                        String dns = dnsKey(host);
                        if (seen.add(dns)) {
                            byListener.computeIfAbsent(listenerKey(server, dns), k -> new ArrayList<>())
                                    .add(new ServerRef(gw, server, server.path()));
                        }
                    }
                }
                if (server.port() != null && server.port().knownProtocol() == ServerProtocol.HTTPS) {
                    for (int j = 0; j < server.hosts().size(); j++) {
                        httpsByHost.computeIfAbsent(dnsKey(server.hosts().get(j)), k -> new ArrayList<>())
                                .add(new ServerRef(gw, server, server.path() + ".hosts[" + j + "]"));
                    }
                }
                if (server.tls() != null) {
                    for (Map.Entry<String, String> c : server.tls().credentials()) {
                        byCredential.computeIfAbsent(c.getValue(), k -> new ArrayList<>())
                                .add(new ServerRef(gw, server, server.path() + ".tls." + c.getKey()));
                    }
                }
            }
        }
    }

    /** The stored Gateway {@code namespace/name}, or null. */
    public IstioGateway gateway(String namespace, String name) {
        return byName.get(namespace + "/" + name);
    }

    /** Namespaces holding a Gateway of that name. */
    public Set<String> namespacesOf(String name) {
        return namespacesByName.getOrDefault(name, Set.of());
    }

    /** Servers of Gateways with a selector listening on this server's port and bind for that host. */
    public List<ServerRef> onListener(IstioGateway.Server server, String host) {
        return byListener.getOrDefault(listenerKey(server, dnsKey(host)), List.of());
    }

    /** Servers without bind of Gateways with a selector, on that port for that host ({@link #dnsKey}). */
    public List<ServerRef> onPortAndHost(int port, String dnsKey) {
        return byListener.getOrDefault(key(port, "", dnsKey), List.of());
    }

    /** Servers of Gateways with a selector naming that credential. */
    public List<ServerRef> usingCredential(String credentialName) {
        return byCredential.getOrDefault(credentialName, List.of());
    }

    /**
     * HTTPS servers (of Gateways with a selector) whose host covers this one: the same name, a wildcard
     * above it, or {@code *}.
     */
    public List<ServerRef> httpsServers(String host) {
        List<ServerRef> out = new ArrayList<>(httpsByHost.getOrDefault(host, List.of()));
        String rest = host.startsWith("*.") ? host.substring(2) : host;
        for (int i = rest.indexOf('.'); i >= 0; i = rest.indexOf('.', i + 1)) {
            out.addAll(httpsByHost.getOrDefault("*." + rest.substring(i + 1), List.of()));
        }
        if (!host.equals("*")) {
            out.addAll(httpsByHost.getOrDefault("*", List.of()));
        }
        return out;
    }

    /** The host's dnsName without any {@code ns/} prefix, lower-cased, without a trailing dot. */
    public static String dnsKey(String host) {
        return HostSet.norm(Hosts.GatewayHost.parse(host).dnsName());
    }

    private static String listenerKey(IstioGateway.Server server, String dnsKey) {
        return key(server.port().number(), server.bind() == null ? "" : server.bind(), dnsKey);
    }

    private static String key(int port, String bind, String dnsKey) {
        return port + "\u0000" + bind + "\u0000" + dnsKey;
    }
}
