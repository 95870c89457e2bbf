package io.gatewarden.rules;

import io.gatewarden.facts.Exposure;
import io.gatewarden.facts.Facts;
import io.gatewarden.facts.GatewayIndex;
import io.gatewarden.facts.WorkloadSelection;
import io.gatewarden.cluster.ServiceInfo;
import io.gatewarden.cluster.Workload;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.model.ServerProtocol;

import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.ArrayList;
import java.util.Set;
import java.util.TreeSet;

/**
 * GW4xx: conflicts between Istio Gateways that share workloads, and server ports that no Service exposes.
 * <ul>
 *   <li>GW401 another Gateway on overlapping workloads serves the same port, bind and host (IST0145); the
 *       message says what istiod does with the pair, which depends on the protocols</li>
 *   <li>GW402 another Gateway on overlapping workloads uses the same credential (IST0138)</li>
 *   <li>GW403 a server port that no Service selecting the gateway workload exposes (IST0162)</li>
 * </ul>
 * Two Gateways overlap when their selectors match at least one common workload (namespace, kind, name), or
 * when their selectors are equal and non-empty; an empty selector claims no overlap. The stored Gateways are
 * indexed once per stored state by (port, bind, host) and by credential ({@link GatewayIndex}), so checking one Gateway costs
 * the size of that Gateway plus the conflicts found, not the number of Gateways.
 */
public final class GatewayConflictRules implements Rule {

    @Override
    public Kind kind() {
        return Kind.ISTIO_GATEWAY;
    }

    @Override
    public Set<Code> codes() {
        return Set.of(Code.GW401, Code.GW402, Code.GW403);
    }

    @Override
    public Set<Kind> reads() {
        return Set.of(Kind.ISTIO_GATEWAY, Kind.SERVICE, Kind.POD, Kind.DEPLOYMENT, Kind.STATEFUL_SET, Kind.DAEMON_SET);
    }

    @Override
    public void check(Resource resource, Facts facts, List<Diagnostic> out) {
        IstioGateway gw = facts.gateway(resource);
        GatewayIndex index = facts.stored(GatewayIndex.DERIVATION);
        WorkloadSelection selection = facts.stored(WorkloadSelection.DERIVATION);
        duplicateHosts(gw, index, selection, out);
        sharedCredentials(gw, index, selection, out);
        unexposedPorts(gw, facts, out);
    }

    /** GW401. */
    private static void duplicateHosts(IstioGateway gw, GatewayIndex index, WorkloadSelection selection,
                                       List<Diagnostic> out) {
        if (gw.selector().isEmpty()) {
            return;
        }
        for (IstioGateway.Server server : gw.servers()) {
            if (server == null || server.port() == null || server.port().number() == null) {
                continue;
            }
            Set<String> seen = new HashSet<>();
            for (int j = 0; j < server.hosts().size(); j++) {
                String host = server.hosts().get(j);
                if (!seen.add(GatewayIndex.dnsKey(host))) {
                    continue; // the same host twice in one server is not a conflict with another Gateway
                }
                Conflicts others = Conflicts.among(index.onListener(server, host), gw, selection);
                if (others.isEmpty()) {
                    continue;
                }
                String bind = bind(server).isEmpty() ? "" : " and bind " + server.bind();
                out.add(Diagnostic.of(Code.GW401, gw.resource(), server.path() + ".hosts[" + j + "]",
                        "host \"" + host + "\" on port " + server.port().number() + bind
                                + " is also served by " + others.describe() + " on the same gateway workload: "
                                + whatIstiodDoes(server, others.first().server())));
            }
        }
    }

    /**
     * What istiod does with two servers of different Gateways on one workload, port and bind that share a
     * host (pilot/pkg/model/gateway.go, mergeGateways, Gateways taken oldest first), and the fix.
     */
    static String whatIstiodDoes(IstioGateway.Server mine, IstioGateway.Server other) {
        ServerProtocol p = ServerProtocol.parse(mine.protocolUpper());
        ServerProtocol q = ServerProtocol.parse(other.protocolUpper());
        if (mine.tls() != null && other.tls() != null) {
            // Servers with TLS settings are told apart by SNI: a host already taken rejects the whole server.
            return "istiod keeps the server of the Gateway created first and drops the other one whole, with all "
                    + "its hosts on this port (\"duplicate host names\" in its log): remove the host from one "
                    + "Gateway, or merge the servers into one Gateway";
        }
        boolean plainHttp = p != null && p.plainHttp() && q != null && q.plainHttp();
        if (plainHttp) {
            return "istiod merges plain-text HTTP servers on one port into one route table, so the "
                    + "VirtualServices bound to either Gateway serve the host and their routes for it are merged "
                    + "in creation order (the first match wins): keep the host in one Gateway, so one set of "
                    + "VirtualServices owns its routes";
        }
        if (tlsServer(mine, p) != tlsServer(other, q)) {
            return "istiod does not merge a plain-text and a TLS server on one port: if the plain-text server's "
                    + "Gateway is older, the TLS server is dropped, otherwise both share one listener and a client "
                    + "reaches one or the other depending on whether it speaks TLS: serve the host from one "
                    + "Gateway, or on separate ports";
        }
        return "istiod cannot merge a " + mine.protocolUpper() + " server with a " + other.protocolUpper()
                + " server on one port, so it keeps the server of the Gateway created first and drops the other "
                + "one whole (\"conflict with existing server\" in its log): serve the host from one Gateway, or "
                + "on separate ports";
    }

    /** Istio's IsTLSServer: TLS settings on a protocol other than plain-text HTTP. */
    private static boolean tlsServer(IstioGateway.Server s, ServerProtocol p) {
        return s.tls() != null && (p == null || !p.plainHttp());
    }

    /** GW402. */
    private static void sharedCredentials(IstioGateway gw, GatewayIndex index, WorkloadSelection selection,
                                          List<Diagnostic> out) {
        if (gw.selector().isEmpty()) {
            return;
        }
        for (IstioGateway.Server server : gw.servers()) {
            if (server == null || server.tls() == null) {
                continue;
            }
            for (Map.Entry<String, String> credential : server.tls().credentials()) {
                Conflicts others = Conflicts.among(index.usingCredential(credential.getValue()), gw, selection);
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
        Exposed exposure = new Exposed(workloads, facts.stored(Exposure.DERIVATION).servicesFor(gw.selector()));
        for (IstioGateway.Server server : gw.servers()) {
            if (server == null || server.port() == null || server.port().number() == null
                    || bind(server).startsWith("unix://")) {
                continue;
            }
            int number = server.port().number();
            if (number < 1 || number > 65535) {
                continue; // not a port at all: GW104 says so, and no Service could expose it
            }
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

    /** What an index look-up found on other Gateways: the first entry, and how many entries and Gateways. */
    private record Conflicts(GatewayIndex.ServerRef first, int entries, int gateways) {
        static final Conflicts NONE = new Conflicts(null, 0, 0);
        private static final Comparator<GatewayIndex.ServerRef> ORDER = Comparator
                .comparing((GatewayIndex.ServerRef e) -> e.gateway().resource().namespace())
                .thenComparing(e -> e.gateway().resource().name())
                .thenComparing(GatewayIndex.ServerRef::field, Engine::compareFields);

        /**
         * The entries of other Gateways (not the same namespace/name) whose workloads overlap {@code gw}'s:
         * the first in (namespace, name, field) order and how many there are, in one pass.
         */
        static Conflicts among(List<GatewayIndex.ServerRef> candidates, IstioGateway gw, WorkloadSelection selection) {
            GatewayIndex.ServerRef first = null;
            int entries = 0;
            Map<IstioGateway, Boolean> decided = new IdentityHashMap<>();
            for (GatewayIndex.ServerRef e : candidates) {
                if (e.gateway().resource().sameObject(gw.resource())) {
                    continue;
                }
                if (decided.computeIfAbsent(e.gateway(), other -> selection.overlap(gw.selector(), other.selector()))) {
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
            return first == null ? NONE : new Conflicts(first, entries, gateways);
        }

        boolean isEmpty() {
            return first == null;
        }

        /** The first conflict, and a count of the others when there are more. */
        String describe() {
            String more = gateways > 1 ? " (and " + (gateways - 1) + " more Gateway" + (gateways == 2 ? "" : "s") + ")"
                    : entries > 1 ? " (and " + (entries - 1) + " more of its servers)" : "";
            Resource r = first.gateway().resource();
            return "Gateway " + r.namespace() + "/" + r.name() + " " + first.field() + more;
        }
    }

    /** The Services that select a gateway's workloads, and every port they expose, for GW403's message. */
    private static final class Exposed {
        final List<ServiceInfo> services;
        final Set<Integer> ports = new HashSet<>();
        private final List<Workload> workloads;

        Exposed(List<Workload> workloads, List<ServiceInfo> services) {
            this.workloads = workloads;
            this.services = services;
            for (ServiceInfo s : services) {
                for (ServiceInfo.ServicePort p : s.ports()) {
                    ports.add(p.port());
                    if (p.targetPort() != null) {
                        ports.add(p.targetPort());
                    }
                }
            }
        }

        String serviceNames() {
            List<String> names = new ArrayList<>();
            for (ServiceInfo s : services) {
                names.add(s.namespace() + "/" + s.name());
            }
            return (services.size() == 1 ? "Service " : "Services ") + String.join(", ", Messages.limit(names));
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
            return out.isEmpty() ? "none" : String.join(", ", Messages.limit(out));
        }

        String workloadNames() {
            Set<String> names = new LinkedHashSet<>();
            for (Workload w : workloads) {
                names.add(w.kind() + " " + w.namespace() + "/" + w.name());
            }
            return String.join(", ", Messages.limit(new ArrayList<>(names)));
        }
    }
}
