package io.gatewarden.rules;

import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.facts.Facts;
import io.gatewarden.facts.GatewayIndex;
import io.gatewarden.facts.K8sGatewayWorkloads;
import io.gatewarden.facts.ListenerIndex;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.model.K8sGateway;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * GA710: an Istio Gateway server and a Gateway API listener on the same gateway workload claiming the
 * same port and host (exact host, {@code *} for a listener without hostname; servers with a bind are
 * not compared). Both end up as Envoy filter chains for the same SNI on one listener, and which one wins
 * is undefined. Judged from either side: {@link MixedApiRules} on Istio Gateways, {@link MixedApiRules.Listeners}
 * on Gateway API Gateways. "Same workload": the Istio Gateway's selector picks one of the pods the Gateway
 * API Gateway runs on ({@link K8sGatewayWorkloads}), or the same labels before they exist.
 */
public final class MixedApiRules implements Rule {

    @Override
    public Kind kind() {
        return Kind.ISTIO_GATEWAY;
    }

    @Override
    public Set<Code> codes() {
        return Set.of(Code.GA710);
    }

    @Override
    public Set<Kind> reads() {
        return Set.of(Kind.ISTIO_GATEWAY, Kind.K8S_GATEWAY, Kind.SERVICE, Kind.POD, Kind.DEPLOYMENT, Kind.STATEFUL_SET,
                Kind.DAEMON_SET);
    }

    @Override
    public void check(Resource resource, Facts facts, List<Diagnostic> out) {
        IstioGateway gw = facts.gateway(resource);
        if (gw.selector().isEmpty()) {
            return;
        }
        ListenerIndex listeners = facts.stored(ListenerIndex.DERIVATION);
        for (IstioGateway.Server server : gw.servers()) {
            if (server == null || server.port() == null || server.port().number() == null
                    || (server.bind() != null && !server.bind().isEmpty())) {
                continue;
            }
            Set<String> seen = new HashSet<>();
            for (int j = 0; j < server.hosts().size(); j++) {
                String host = GatewayIndex.dnsKey(server.hosts().get(j));
                if (!seen.add(host)) {
                    continue;
                }
                for (ListenerIndex.ListenerRef l : listeners.onPortAndHost(server.port().number(), host)) {
                    if (facts.stored(K8sGatewayWorkloads.DERIVATION).shares(l.gateway(), gw.selector())) {
                        Resource other = l.gateway().resource();
                        out.add(Diagnostic.of(Code.GA710, resource, server.path() + ".hosts[" + j + "]", "host " + host
                                + " on port " + server.port().number() + " is also claimed by listener " + l.listener().name()
                                + " of Gateway API Gateway " + other.namespace() + "/" + other.name() + " on the same "
                                + "gateway workload; which one Istio serves is undefined: serve it from one API only"));
                        break;
                    }
                }
            }
        }
    }

    /** GA710 judged on a Gateway API Gateway: its listeners against the stored Istio Gateways' servers. */
    public static final class Listeners implements Rule {
        @Override
        public Kind kind() {
            return Kind.K8S_GATEWAY;
        }

        @Override
        public Set<Code> codes() {
            return Set.of(Code.GA710);
        }

        @Override
        public Set<Kind> reads() {
            return Set.of(Kind.K8S_GATEWAY, Kind.ISTIO_GATEWAY, Kind.SERVICE, Kind.POD, Kind.DEPLOYMENT,
                    Kind.STATEFUL_SET, Kind.DAEMON_SET);
        }

        @Override
        public String name() {
            return "MixedApiRules.Listeners";
        }

        @Override
        public void check(Resource resource, Facts facts, List<Diagnostic> out) {
            K8sGateway gw = facts.k8sGateway(resource);
            GatewayIndex servers = facts.stored(GatewayIndex.DERIVATION);
            for (K8sGateway.Listener l : gw.listeners()) {
                if (l.port() == null) {
                    continue;
                }
                for (GatewayIndex.ServerRef s : servers.onPortAndHost(l.port(), ListenerIndex.hostKey(l))) {
                    if (facts.stored(K8sGatewayWorkloads.DERIVATION).shares(gw, s.gateway().selector())) {
                        Resource other = s.gateway().resource();
                        out.add(Diagnostic.of(Code.GA710, resource, l.path() + (l.hostname() == null ? ".port" : ".hostname"),
                                "host " + ListenerIndex.hostKey(l) + " on port " + l.port() + " is also claimed by Istio "
                                        + "Gateway " + other.namespace() + "/" + other.name() + " " + s.field() + " on the "
                                        + "same gateway workload; which one Istio serves is undefined: serve it from one "
                                        + "API only"));
                        break;
                    }
                }
            }
        }
    }
}
