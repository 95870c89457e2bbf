package io.gatewarden.facts;

import io.gatewarden.cluster.Derivation;
import io.gatewarden.model.Hosts;
import io.gatewarden.model.K8sGateway;
import io.gatewarden.model.K8sRoute;
import io.gatewarden.model.Kind;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Where a Gateway API route attaches, by the Gateway API rules as Istio applies them: for each parentRef
 * naming a Gateway, the listeners selected by {@code sectionName} and {@code port}, then, per listener,
 * hostnames intersecting (either side may be a wildcard; none means any), the route's namespace allowed
 * ({@code allowedRoutes.namespaces} Same, All or Selector over the namespace's labels) and its kind allowed
 * (the protocol's and TLS mode's kinds, narrowed by {@code allowedRoutes.kinds}). A parentRef is attached
 * when any listener admits it; otherwise its outcome is the first of: not allowed (namespace, then kind),
 * no hostname match, no such listener; as Istio ranks them in the route's status.
 */
public final class RouteAttachment {
    public static final Derivation<RouteAttachment> DERIVATION = Derivation.of("route attachment",
            Set.of(Kind.K8S_GATEWAY, Kind.NAMESPACE), source -> new RouteAttachment(
                    source.get(ListenerIndex.DERIVATION), source.get(NamespaceLabels.DERIVATION)));

    public enum Status {
        ATTACHED, NO_GATEWAY, NO_LISTENERS, NO_LISTENER_NAMED, NO_LISTENER_ON_PORT, NO_HOSTNAME_MATCH,
        NAMESPACE_NOT_ALLOWED, KIND_NOT_ALLOWED
    }

    /**
     * The outcome of one parentRef. {@code listeners}: those admitting the route (ATTACHED), refusing it for
     * that reason (NAMESPACE_NOT_ALLOWED, KIND_NOT_ALLOWED), or whose hostnames were compared
     * (NO_HOSTNAME_MATCH); empty otherwise. {@code gateway} is null for NO_GATEWAY.
     */
    public record Parent(K8sRoute.ParentRef ref, Status status, K8sGateway gateway, List<K8sGateway.Listener> listeners) {
    }

    private final ListenerIndex gateways;
    private final NamespaceLabels namespaces;

    private RouteAttachment(ListenerIndex gateways, NamespaceLabels namespaces) {
        this.gateways = gateways;
        this.namespaces = namespaces;
    }

    /** The outcome of each parentRef that names a Gateway, in order. */
    public List<Parent> attach(K8sRoute route) {
        List<Parent> out = new ArrayList<>();
        String local = route.resource().namespace();
        for (K8sRoute.ParentRef ref : route.parentRefs()) {
            if (!ref.isGateway() || ref.name() == null) {
                continue;
            }
            K8sGateway gw = gateways.gateway(ref.namespaceOr(local), ref.name());
            out.add(gw == null ? new Parent(ref, Status.NO_GATEWAY, null, List.of()) : attach(route, ref, gw));
        }
        return out;
    }

    private Parent attach(K8sRoute route, K8sRoute.ParentRef ref, K8sGateway gw) {
        if (gw.listeners().isEmpty()) {
            return new Parent(ref, Status.NO_LISTENERS, gw, List.of());
        }
        List<K8sGateway.Listener> candidates = new ArrayList<>();
        for (K8sGateway.Listener l : gw.listeners()) {
            if (ref.sectionName() == null || ref.sectionName().equals(l.name())) {
                candidates.add(l);
            }
        }
        if (candidates.isEmpty()) {
            return new Parent(ref, Status.NO_LISTENER_NAMED, gw, List.of());
        }
        candidates.removeIf(l -> ref.port() != null && !Objects.equals(ref.port(), l.port()));
        if (candidates.isEmpty()) {
            return new Parent(ref, Status.NO_LISTENER_ON_PORT, gw, List.of());
        }
        List<K8sGateway.Listener> admitting = new ArrayList<>();
        List<K8sGateway.Listener> byNamespace = new ArrayList<>();
        List<K8sGateway.Listener> byKind = new ArrayList<>();
        for (K8sGateway.Listener l : candidates) {
            if (!hostnamesIntersect(route.hostnames(), l.hostname())) {
                continue;
            }
            if (!namespaceAllowed(l, gw.resource().namespace(), route.resource().namespace())) {
                byNamespace.add(l);
            } else if (!kindAllowed(l, route.kind())) {
                byKind.add(l);
            } else {
                admitting.add(l);
            }
        }
        if (!admitting.isEmpty()) {
            return new Parent(ref, Status.ATTACHED, gw, List.copyOf(admitting));
        }
        if (!byNamespace.isEmpty()) {
            return new Parent(ref, Status.NAMESPACE_NOT_ALLOWED, gw, List.copyOf(byNamespace));
        }
        if (!byKind.isEmpty()) {
            return new Parent(ref, Status.KIND_NOT_ALLOWED, gw, List.copyOf(byKind));
        }
        return new Parent(ref, Status.NO_HOSTNAME_MATCH, gw, List.copyOf(candidates));
    }

    /** No route hostnames, or no listener hostname, means any host; otherwise one pair must intersect. */
    public static boolean hostnamesIntersect(List<String> routeHostnames, String listenerHostname) {
        if (routeHostnames.isEmpty() || listenerHostname == null) {
            return true;
        }
        for (String h : routeHostnames) {
            if (Hosts.intersect(h, listenerHostname)) {
                return true;
            }
        }
        return false;
    }

    /** {@code allowedRoutes.namespaces}: Same (the default), All, or Selector (an unknown value: as Selector). */
    public boolean namespaceAllowed(K8sGateway.Listener l, String gatewayNamespace, String routeNamespace) {
        K8sGateway.AllowedRoutes a = l.allowedRoutes();
        return switch (a.from()) {
            case "Same" -> gatewayNamespace.equals(routeNamespace);
            case "All" -> true;
            default -> a.selector() == null || a.selector().matches(namespaces.of(routeNamespace));
        };
    }

    /** The listener's protocol (and TLS mode) supports the kind, and {@code allowedRoutes.kinds}, if set, lists it. */
    public static boolean kindAllowed(K8sGateway.Listener l, Kind kind) {
        if (!l.supportedKinds().contains(kind)) {
            return false;
        }
        List<K8sGateway.RouteKind> kinds = l.allowedRoutes().kinds();
        return kinds.isEmpty() || kinds.stream().anyMatch(k -> k.is(kind));
    }

    /** The labels a namespace selector is matched against. */
    public java.util.Map<String, String> namespaceLabels(String namespace) {
        return namespaces.of(namespace);
    }
}
