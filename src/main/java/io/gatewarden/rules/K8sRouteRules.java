package io.gatewarden.rules;

import io.gatewarden.cluster.ServiceInfo;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.facts.Facts;
import io.gatewarden.facts.GatewayIndex;
import io.gatewarden.facts.ListenerIndex;
import io.gatewarden.facts.ReferenceGrants;
import io.gatewarden.facts.RouteAttachment;
import io.gatewarden.facts.ServiceRegistry;
import io.gatewarden.model.K8sGateway;
import io.gatewarden.model.K8sRoute;
import io.gatewarden.model.Kind;
import io.gatewarden.model.NamespacedName;
import io.gatewarden.model.Resource;
import io.gatewarden.model.ShapeReader;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * GA706, GA708, GA709: a Gateway API route (one family per route kind) against the listeners it
 * attaches to ({@link RouteAttachment}) and the Services it sends to.
 * <ul>
 *   <li>GA706 a parentRef to a Gateway, or a listener ({@code sectionName}), that does not exist, or route
 *   hostnames intersecting no hostname of the listeners (Istio: NoMatchingListenerHostname)</li>
 *   <li>GA708 listeners that exist but do not admit the route: {@code allowedRoutes} namespaces or kinds, the
 *   kind and the protocol/TLS mode (Istio: NotAllowedByListeners), or a {@code port} no listener has</li>
 *   <li>GA709 a backendRef to a Service that does not exist, lacks the port, or lies in another namespace
 *   without a ReferenceGrant (Istio: BackendNotFound, RefNotPermitted)</li>
 * </ul>
 * Only parentRefs to Gateways are judged (a Service parent is a mesh route) and only Service backends.
 */
public final class K8sRouteRules implements Rule {
    private final Kind kind;

    public K8sRouteRules(Kind kind) {
        if (!Kind.ROUTES.contains(kind)) {
            throw new IllegalArgumentException(kind + " is not a Gateway API route kind");
        }
        this.kind = kind;
    }

    @Override
    public Kind kind() {
        return kind;
    }

    @Override
    public String name() {
        return "K8sRouteRules[" + kind.kind() + "]";
    }

    @Override
    public Set<Code> codes() {
        return Set.of(Code.GA706, Code.GA708, Code.GA709);
    }

    @Override
    public Set<Kind> reads() {
        return Set.of(kind, Kind.K8S_GATEWAY, Kind.NAMESPACE, Kind.ISTIO_GATEWAY, Kind.SERVICE, Kind.REFERENCE_GRANT);
    }

    @Override
    public void check(Resource resource, Facts facts, List<Diagnostic> out) {
        K8sRoute route = facts.route(resource);
        out.addAll(route.shapeErrors());
        RouteAttachment attachment = facts.stored(RouteAttachment.DERIVATION);
        for (RouteAttachment.Parent p : attachment.attach(route)) {
            Diagnostic d = parent(route, p, attachment, facts);
            if (d != null) {
                out.add(d);
            }
        }
        backends(route, facts, out);
    }

    private static Diagnostic parent(K8sRoute route, RouteAttachment.Parent p, RouteAttachment attachment, Facts facts) {
        Resource r = route.resource();
        K8sRoute.ParentRef ref = p.ref();
        String gw = "Gateway " + ref.namespaceOr(r.namespace()) + "/" + ref.name();
        return switch (p.status()) {
            case ATTACHED -> null;
            case NO_GATEWAY -> {
                String[] hint = missingGatewayHint(route, ref, facts);
                yield Diagnostic.of(Code.GA706, r, ref.path(), gw + " not found", ", so the route serves nothing" + hint[0],
                        hint[1]);
            }
            case NO_LISTENERS -> Diagnostic.of(Code.GA706, r, ref.path(), gw + " has no listeners: add one for the route");
            case NO_LISTENER_NAMED -> Diagnostic.of(Code.GA706, r, ref.path() + ".sectionName", gw + " has no listener "
                    + "named \"" + ref.sectionName() + "\" (listeners: " + names(p.gateway()) + "): set sectionName to one "
                    + "of them, or drop it");
            case NO_LISTENER_ON_PORT -> Diagnostic.of(Code.GA708, r, ref.path() + ".port", "no listener of " + gw
                    + (ref.sectionName() == null ? "" : " named \"" + ref.sectionName() + "\"") + " is on port " + ref.port()
                    + " (ports: " + ports(p.gateway()) + "): set port to a listener's port, or drop it");
            case NO_HOSTNAME_MATCH -> Diagnostic.of(Code.GA706, r, ref.path(),
                    "hostnames " + route.hostnames() + " intersect no hostname of the listeners of " + gw + " it names ("
                            + Messages.quoted(Messages.limit(hostnames(p.listeners()))) + ")",
                    ", so the route is attached nowhere", ": add a matching hostname, or change the listener's");
            case NAMESPACE_NOT_ALLOWED -> namespaceRefused(route, p, attachment, gw);
            case KIND_NOT_ALLOWED -> {
                K8sGateway.Listener l = p.listeners().get(0);
                String fix = l.supportedKinds().contains(route.kind()) ? ": add " + route.kind().kind()
                        + " to allowedRoutes.kinds, or attach to another listener"
                        : ": attach it to a listener whose protocol takes " + route.kind().kind() + ", or use a route "
                        + "of kind " + kindsText(admitted(l)) + " here";
                yield Diagnostic.of(Code.GA708, r, ref.path(), "listener " + l.name() + " of " + gw + " (" + l.protocol()
                        + (l.tls() != null && l.tls().passthrough() ? ", Passthrough" : "") + ") admits "
                        + kindsText(admitted(l)) + ", not " + route.kind().kind(), ", so the route is not attached", fix);
            }
        };
    }

    /** GA708 for allowedRoutes.namespaces. */
    private static Diagnostic namespaceRefused(K8sRoute route, RouteAttachment.Parent p, RouteAttachment attachment,
                                               String gw) {
        K8sGateway.Listener l = p.listeners().get(0);
        String routeNs = route.resource().namespace();
        String admits = switch (l.allowedRoutes().from()) {
            case "Same" -> "routes of its own namespace " + p.gateway().resource().namespace() + " only";
            default -> "routes of namespaces matching " + l.allowedRoutes().selector();
        };
        String labels = l.allowedRoutes().from().equals("Same") ? "" : " (labels " + new java.util.TreeMap<>(
                attachment.namespaceLabels(routeNs)) + ")";
        String fact = "listener " + l.name() + " of " + gw + " admits " + admits + ", not namespace " + routeNs;
        String fix = ": set its allowedRoutes.namespaces (from: All, or a selector " + routeNs + " matches), or move the route";
        return Diagnostic.of(Code.GA708, route.resource(), p.ref().path(), fact, labels + ", so the route is not attached",
                fix);
    }

    /**
     * Where else a Gateway of that name exists (another namespace, or an Istio Gateway routes cannot attach
     * to), and the fix: {explanation, fix}, each starting with its separator.
     */
    private static String[] missingGatewayHint(K8sRoute route, K8sRoute.ParentRef ref, Facts facts) {
        String ns = ref.namespaceOr(route.resource().namespace());
        TreeSet<String> elsewhere = new TreeSet<>(facts.stored(ListenerIndex.DERIVATION).namespacesOf(ref.name()));
        elsewhere.remove(ns);
        if (!elsewhere.isEmpty()) {
            return new String[] {"; a Gateway of that name exists in namespace "
                    + String.join(", ", Messages.limit(elsewhere)), ": set namespace: " + elsewhere.first()};
        }
        if (facts.stored(GatewayIndex.DERIVATION).gateway(ns, ref.name()) != null) {
            return new String[] {"; " + ns + "/" + ref.name() + " is an Istio Gateway (networking.istio.io), which "
                    + "Gateway API routes cannot attach to", ": bind a VirtualService to it, or create a "
                    + "gateway.networking.k8s.io Gateway"};
        }
        return new String[] {"", ": create the Gateway, or correct the parentRef (namespace defaults to the route's)"};
    }

    /** GA709. */
    private void backends(K8sRoute route, Facts facts, List<Diagnostic> out) {
        String local = route.resource().namespace();
        for (K8sRoute.BackendRef b : route.backendRefs()) {
            if (!b.isService() || b.name() == null || ShapeReader.recordedWithin(route.shapeErrors(), b.path())) {
                continue;
            }
            String ns = b.namespaceOr(local);
            String svc = "Service " + ns + "/" + b.name();
            // A mesh (GAMMA) consumer route may send to the Service it is attached to without a grant, as Istio does.
            boolean ownParent = route.parentRefs().stream().anyMatch(p -> p.isService()
                    && ns.equals(p.namespaceOr(local)) && b.name().equals(p.name()));
            if (!ownParent && !facts.stored(ReferenceGrants.DERIVATION).allows(kind, local, "Service", ns, b.name())) {
                out.add(Diagnostic.of(Code.GA709, route.resource(), b.path(), "no ReferenceGrant in " + ns + " lets "
                        + kind.kind() + "s of " + local + " use " + svc, ", so Istio drops this backend (RefNotPermitted)",
                        ": create one from {group: gateway.networking.k8s.io, kind: " + kind.kind() + ", namespace: "
                        + local + "} to {group: \"\", kind: Service}"));
                continue;
            }
            ServiceRegistry.Services services = facts.stored(ServiceRegistry.SERVICES);
            if (!services.exists(new NamespacedName(ns, b.name()))) {
                out.add(Diagnostic.of(Code.GA709, route.resource(), b.path(), svc + " not found", ", so requests sent to "
                        + "this backend fail (500)", ": create it, or correct the name and namespace"));
                continue;
            }
            List<Integer> ports = servicePorts(services, ns, b.name());
            if (b.port() == null) {
                out.add(Diagnostic.of(Code.GA709, route.resource(), b.path(), "backendRef to " + svc + " has no port: "
                        + "set port to one of its ports (" + ports + ")"));
            } else if (!ports.contains(b.port())) {
                out.add(Diagnostic.of(Code.GA709, route.resource(), b.path() + ".port", svc + " has no port " + b.port()
                        + " (ports: " + ports + "): use one of them"));
            }
        }
    }

    private static List<Integer> servicePorts(ServiceRegistry.Services services, String ns, String name) {
        List<Integer> ports = new ArrayList<>();
        for (ServiceInfo s : services.in(ns)) {
            if (s.name().equals(name)) {
                s.ports().forEach(p -> ports.add(p.port()));
            }
        }
        return ports;
    }

    private static List<Kind> admitted(K8sGateway.Listener l) {
        return l.supportedKinds().stream().filter(k -> RouteAttachment.kindAllowed(l, k)).toList();
    }

    private static String kindsText(List<Kind> kinds) {
        return kinds.isEmpty() ? "no route kind" : String.join(" or ", kinds.stream().map(Kind::kind).toList());
    }

    private static String names(K8sGateway gw) {
        List<String> names = new ArrayList<>();
        gw.listeners().forEach(l -> names.add(String.valueOf(l.name())));
        return String.join(", ", Messages.limit(names));
    }

    private static String ports(K8sGateway gw) {
        TreeSet<String> ports = new TreeSet<>();
        gw.listeners().forEach(l -> ports.add(String.valueOf(l.port())));
        return String.join(", ", Messages.limit(ports));
    }

    private static List<String> hostnames(List<K8sGateway.Listener> listeners) {
        List<String> out = new ArrayList<>();
        for (K8sGateway.Listener l : listeners) {
            out.add(l.hostname() == null ? "*" : l.hostname());
        }
        return out;
    }
}
