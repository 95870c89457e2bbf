package io.gatewarden.rules;

import io.gatewarden.cluster.ClusterView;
import io.gatewarden.cluster.ServiceInfo;
import io.gatewarden.cluster.Workload;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.model.Hosts;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * GW4xx: conflicts between Istio Gateways that share workloads, and server ports that no Service exposes.
 * <ul>
 *   <li>GW401 another Gateway on overlapping workloads serves the same port, bind and host (IST0145)</li>
 *   <li>GW402 another Gateway on overlapping workloads uses the same credential (IST0138)</li>
 *   <li>GW403 a server port that no Service selecting the gateway workload exposes (IST0162)</li>
 * </ul>
 * Two Gateways overlap when their selectors match at least one common workload (namespace, kind, name), or
 * when their selectors are equal and non-empty; an empty selector claims no overlap. Every Gateway of the
 * view is indexed once per evaluation by (port, bind, host) and by credential, so checking one Gateway costs
 * the size of that Gateway plus the conflicts found, not the number of Gateways.
 */
public final class GatewayConflictRules implements Rule {
    private static final String INDEX_MEMO = "GatewayConflictRules.index";

    @Override
    public Kind kind() {
        return Kind.ISTIO_GATEWAY;
    }

    @Override
    public void check(Resource resource, Facts facts, List<Diagnostic> out) {
        IstioGateway gw = facts.gateway(resource);
        Index index = facts.shared(INDEX_MEMO, () -> new Index(facts));
        duplicateHosts(gw, index, out);
        sharedCredentials(gw, index, out);
        unexposedPorts(gw, facts, out);
    }

    /** GW401. */
    private static void duplicateHosts(IstioGateway gw, Index index, List<Diagnostic> out) {
        if (gw.selector().isEmpty()) {
            return;
        }
        for (IstioGateway.Server server : gw.servers()) {
            if (server == null || server.port() == null || server.port().number() == null) {
                continue;
            }
            Set<String> seen = new HashSet<>();
            for (int j = 0; j < server.hosts().size(); j++) {
                String dns = dnsKey(server.hosts().get(j));
                if (!seen.add(dns)) {
                    continue; // the same host twice in one server is not a conflict with another Gateway
                }
                Conflicts others = index.overlapping(index.byListener.get(listenerKey(server, dns)), gw);
                if (others.isEmpty()) {
                    continue;
                }
                String bind = bind(server).isEmpty() ? "" : " and bind " + server.bind();
                out.add(Diagnostic.of(Code.GW401, gw.resource(), server.path() + ".hosts[" + j + "]",
                        "host \"" + server.hosts().get(j) + "\" on port " + server.port().number() + bind
                                + " is also served by " + others.describe()
                                + " on the same gateway workload, so only one of them receives the traffic: "
                                + "remove the host from one Gateway, or merge the servers into one Gateway"));
            }
        }
    }

    /** GW402. */
    private static void sharedCredentials(IstioGateway gw, Index index, List<Diagnostic> out) {
        if (gw.selector().isEmpty()) {
            return;
        }
        for (IstioGateway.Server server : gw.servers()) {
            if (server == null || server.tls() == null) {
                continue;
            }
            for (Map.Entry<String, String> credential : server.tls().credentials()) {
                Conflicts others = index.overlapping(index.byCredential.get(credential.getValue()), gw);
                if (others.isEmpty()) {
                    continue;
                }
                String fact = "credential \"" + credential.getValue() + "\" is also used by " + others.describe();
                String fix = "; use one Gateway per certificate, or merge the servers into one Gateway";
                out.add(Diagnostic.of(Code.GW402, gw.resource(), server.path() + ".tls." + credential.getKey(),
                        fact + " on the same gateway workload: clients reuse one HTTP/2 connection for every host of "
                                + "the certificate and get 404s for the hosts of the other Gateway" + fix)
                        .withBrief(fact + ": HTTP/2 reuse gives 404s" + fix));
            }
        }
    }

    /** GW403. */
    private static void unexposedPorts(IstioGateway gw, Facts facts, List<Diagnostic> out) {
        List<Workload> workloads = facts.workloads(gw.selector());
        if (workloads.isEmpty()) {
            return;
        }
        StringBuilder key = new StringBuilder("GatewayConflictRules.exposure");
        new java.util.TreeMap<>(gw.selector()).forEach((k, v) -> key.append('\u0000').append(k).append('\u0001').append(v));
        Exposure exposure = facts.shared(key.toString(), () -> new Exposure(workloads, facts.view().stored().services()));
        for (IstioGateway.Server server : gw.servers()) {
            if (server == null || server.port() == null || server.port().number() == null
                    || bind(server).startsWith("unix://")) {
                continue;
            }
            int number = server.port().number();
            if (exposure.ports.contains(number)) {
                continue;
            }
            String field = server.path() + ".port.number";
            if (exposure.services.isEmpty()) {
                out.add(Diagnostic.of(Code.GW403, gw.resource(), field, "port " + number + " is not reachable: no "
                        + "Service selects the gateway workload", " " + exposure.workloadNames(), "; create a Service "
                        + "with a selector matching its labels that exposes port " + number));
            } else {
                out.add(Diagnostic.of(Code.GW403, gw.resource(), field, "port " + number + " is not exposed by "
                        + exposure.serviceNames(), ", which select" + (exposure.services.size() == 1 ? "s" : "")
                        + " the gateway workload (ports " + exposure.servicePorts() + ")", ": add port " + number
                        + " (port or targetPort) to the Service, or change the server port to one it exposes"));
            }
        }
    }

    private static String bind(IstioGateway.Server server) {
        return server.bind() == null ? "" : server.bind();
    }

    /** The host's dnsName without any {@code ns/} prefix, lower-cased, without a trailing dot. */
    private static String dnsKey(String host) {
        String dns = Hosts.GatewayHost.parse(host).dnsName().toLowerCase(Locale.ROOT);
        return dns.endsWith(".") ? dns.substring(0, dns.length() - 1) : dns;
    }

    private static String listenerKey(IstioGateway.Server server, String dnsKey) {
        return server.port().number() + "\u0000" + bind(server) + "\u0000" + dnsKey;
    }

    /** What an index look-up found on other Gateways: the first entry, and how many entries and Gateways. */
    private record Conflicts(Entry first, int entries, int gateways) {
        static final Conflicts NONE = new Conflicts(null, 0, 0);

        boolean isEmpty() {
            return first == null;
        }

        /** The first conflict, and a count of the others when there are more. */
        String describe() {
            String more = gateways > 1 ? " (and " + (gateways - 1) + " more Gateway" + (gateways == 2 ? "" : "s") + ")"
                    : entries > 1 ? " (and " + (entries - 1) + " more of its servers)" : "";
            return first.describe() + more;
        }
    }

    /** A server of some Gateway, found under an index key. */
    private record Entry(IstioGateway gateway, IstioGateway.Server server, String field) {
        String describe() {
            return "Gateway " + gateway.resource().namespace() + "/" + gateway.resource().name() + " " + field;
        }
    }

    /** Every Gateway of the view, by (port, bind, host) and by credential name; built once per evaluation. */
    private static final class Index {
        private static final Comparator<Entry> ORDER = Comparator
                .comparing((Entry e) -> e.gateway.resource().namespace())
                .thenComparing(e -> e.gateway.resource().name())
                .thenComparing(Entry::field, Engine::compareFields);

        final Map<String, List<Entry>> byListener = new HashMap<>();
        final Map<String, List<Entry>> byCredential = new HashMap<>();
        private final ClusterView view;
        // Filled lazily by concurrent reviews: the Index is shared for one cluster state.
        private final Map<Map<String, String>, Set<String>> workloadKeys = new java.util.concurrent.ConcurrentHashMap<>();

        /** Built from the stored Gateways; the one under review is compared against them, never itself. */
        Index(Facts facts) {
            this.view = facts.view().stored();
            for (IstioGateway gw : facts.storedGateways()) {
                if (gw.selector().isEmpty()) {
                    continue; // claims no overlap with anything
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
                                        .add(new Entry(gw, server, server.path()));
                            }
                        }
                    }
                    if (server.tls() != null) {
                        for (Map.Entry<String, String> c : server.tls().credentials()) {
                            byCredential.computeIfAbsent(c.getValue(), k -> new ArrayList<>())
                                    .add(new Entry(gw, server, server.path() + ".tls." + c.getKey()));
                        }
                    }
                }
            }
        }

        /**
         * The entries of other Gateways (not the same namespace/name) whose workloads overlap {@code gw}'s:
         * the first in (namespace, name, field) order and how many there are, in one pass.
         */
        Conflicts overlapping(List<Entry> candidates, IstioGateway gw) {
            if (candidates == null) {
                return Conflicts.NONE;
            }
            Entry first = null;
            int entries = 0;
            Map<IstioGateway, Boolean> decided = new IdentityHashMap<>();
            for (Entry e : candidates) {
                if (sameResource(e.gateway, gw)) {
                    continue;
                }
                if (decided.computeIfAbsent(e.gateway, other -> overlap(gw.selector(), other.selector()))) {
                    entries++;
                    if (first == null || ORDER.compare(e, first) < 0) {
                        first = e;
                    }
                }
            }
            int gateways = 0;
            for (Boolean b : decided.values()) {
                gateways += b ? 1 : 0;
            }
            return first == null ? Conflicts.NONE : new Conflicts(first, entries, gateways);
        }

        private boolean overlap(Map<String, String> a, Map<String, String> b) {
            if (a.isEmpty() || b.isEmpty()) {
                return false;
            }
            if (a.equals(b)) {
                return true;
            }
            Set<String> ka = keys(a);
            Set<String> kb = keys(b);
            Set<String> small = ka.size() <= kb.size() ? ka : kb;
            Set<String> large = small == ka ? kb : ka;
            for (String k : small) {
                if (large.contains(k)) {
                    return true;
                }
            }
            return false;
        }

        private Set<String> keys(Map<String, String> selector) {
            return workloadKeys.computeIfAbsent(selector, s -> {
                Set<String> keys = new HashSet<>();
                for (Workload w : Facts.matching(view, s)) {
                    keys.add(w.namespace() + "/" + w.kind() + "/" + w.name());
                }
                return keys;
            });
        }

        private static boolean sameResource(IstioGateway a, IstioGateway b) {
            return a.resource().namespace().equals(b.resource().namespace())
                    && a.resource().name().equals(b.resource().name());
        }
    }

    /** The Services that select any of a gateway's workloads, and every port they expose. */
    private static final class Exposure {
        final List<ServiceInfo> services = new ArrayList<>();
        final Set<Integer> ports = new HashSet<>();
        private final List<Workload> workloads;

        Exposure(List<Workload> workloads, List<ServiceInfo> all) {
            this.workloads = workloads;
            for (ServiceInfo s : all) {
                for (Workload w : workloads) {
                    if (s.selects(w)) {
                        services.add(s);
                        for (ServiceInfo.ServicePort p : s.ports()) {
                            ports.add(p.port());
                            if (p.targetPort() != null) {
                                ports.add(p.targetPort());
                            }
                        }
                        break;
                    }
                }
            }
            services.sort(Comparator.comparing(ServiceInfo::namespace).thenComparing(ServiceInfo::name));
        }

        String serviceNames() {
            List<String> names = new ArrayList<>();
            for (ServiceInfo s : services) {
                names.add(s.namespace() + "/" + s.name());
            }
            return (services.size() == 1 ? "Service " : "Services ") + String.join(", ", limit(names));
        }

        String servicePorts() {
            Set<Integer> exposed = new TreeSet<>();
            for (ServiceInfo s : services) {
                for (ServiceInfo.ServicePort p : s.ports()) {
                    exposed.add(p.port());
                }
            }
            List<String> out = new ArrayList<>();
            exposed.forEach(p -> out.add(String.valueOf(p)));
            return out.isEmpty() ? "none" : String.join(", ", limit(out));
        }

        String workloadNames() {
            Set<String> names = new LinkedHashSet<>();
            for (Workload w : workloads) {
                names.add(w.kind() + " " + w.namespace() + "/" + w.name());
            }
            return String.join(", ", limit(new ArrayList<>(names)));
        }

        /** At most 5 names in a message, then a count. */
        private static List<String> limit(List<String> names) {
            if (names.size() <= 5) {
                return names;
            }
            List<String> out = new ArrayList<>(names.subList(0, 5));
            out.add("and " + (names.size() - 5) + " more");
            return out;
        }
    }
}
