package io.gatewarden.rules;

import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.facts.Facts;
import io.gatewarden.facts.ListenerIndex;
import io.gatewarden.model.K8sGateway;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * GA711, ambient waypoints: a Gateway of class {@code istio-waypoint} needs the HBONE listener on port
 * 15008 (istiod rejects other listeners, and the ambient proxies tunnel to that port); and a Namespace or
 * Service that opts in with {@code istio.io/use-waypoint} must name a waypoint that exists (in its own
 * namespace, or the one {@code istio.io/use-waypoint-namespace} names). {@code none} opts out.
 */
public final class WaypointRules implements Rule {
    static final String USE_WAYPOINT = "istio.io/use-waypoint";
    static final String USE_WAYPOINT_NAMESPACE = "istio.io/use-waypoint-namespace";

    @Override
    public Kind kind() {
        return Kind.K8S_GATEWAY;
    }

    @Override
    public Set<Code> codes() {
        return Set.of(Code.GA711);
    }

    @Override
    public Set<Kind> reads() {
        return Set.of(Kind.K8S_GATEWAY);
    }

    @Override
    public void check(Resource resource, Facts facts, List<Diagnostic> out) {
        K8sGateway gw = facts.k8sGateway(resource);
        if (!gw.waypoint()) {
            return;
        }
        for (K8sGateway.Listener l : gw.listeners()) {
            if (K8sGateway.HBONE.equals(l.protocol()) && Objects.equals(l.port(), K8sGateway.HBONE_PORT)) {
                return;
            }
        }
        out.add(Diagnostic.of(Code.GA711, resource, "spec.listeners", "an " + K8sGateway.WAYPOINT_CLASS + " Gateway "
                + "without the HBONE listener on port 15008", " is not reached by the ambient proxies",
                ": add {name: mesh, port: 15008, protocol: HBONE}"));
    }

    /** The {@code istio.io/use-waypoint} label of a Namespace or Service (one family per kind). */
    public static final class Labels implements Rule {
        private final Kind kind;

        public Labels(Kind kind) {
            if (kind != Kind.NAMESPACE && kind != Kind.SERVICE) {
                throw new IllegalArgumentException(kind + " does not opt in to waypoints");
            }
            this.kind = kind;
        }

        @Override
        public Kind kind() {
            return kind;
        }

        @Override
        public String name() {
            return "WaypointRules.Labels[" + kind.kind() + "]";
        }

        @Override
        public Set<Code> codes() {
            return Set.of(Code.GA711);
        }

        @Override
        public Set<Kind> reads() {
            return Set.of(Kind.K8S_GATEWAY);
        }

        @Override
        public void check(Resource resource, Facts facts, List<Diagnostic> out) {
            String waypoint = resource.labels().get(USE_WAYPOINT);
            if (waypoint == null || waypoint.isEmpty() || waypoint.equalsIgnoreCase("none")) {
                return;
            }
            String own = kind == Kind.NAMESPACE ? resource.name() : resource.namespace();
            String ns = resource.labels().getOrDefault(USE_WAYPOINT_NAMESPACE, own);
            if (facts.stored(ListenerIndex.DERIVATION).gateway(ns, waypoint) == null) {
                out.add(Diagnostic.of(Code.GA711, resource, "metadata.labels[\"" + USE_WAYPOINT + "\"]", "waypoint "
                        + ns + "/" + waypoint + " does not exist", ", so traffic to " + (kind == Kind.NAMESPACE
                        ? "this namespace's workloads" : "this Service") + " gets no waypoint (no L7 policy or routing)",
                        ": create a Gateway " + waypoint + " of class " + K8sGateway.WAYPOINT_CLASS + " in " + ns
                                + ", or fix the label"));
            }
        }
    }
}
