package io.gatewarden.facts;

import io.gatewarden.cluster.Derivation;
import io.gatewarden.model.HostSet;
import io.gatewarden.model.Kind;
import io.gatewarden.model.NamespacedName;
import io.gatewarden.model.VirtualService;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The stored VirtualServices by the Gateways their {@code spec.gateways} name (RT510: which routes istiod
 * merges on one gateway), so a review looks at the routes of its own gateways only.
 */
public final class RoutesByGateway {
    public static final Derivation<RoutesByGateway> DERIVATION = Derivation.of("virtual services by gateway",
            Set.of(Kind.VIRTUAL_SERVICE),
            source -> new RoutesByGateway(source.get(Parsed.VIRTUAL_SERVICES.stored()).list()));

    private final Map<NamespacedName, Bound> byGateway = new HashMap<>();

    /** The VirtualServices bound to one Gateway, by host name as written (normalized), wildcard ones apart. */
    private static final class Bound {
        final List<VirtualService> all = new ArrayList<>();
        final Map<String, List<VirtualService>> byHost = new HashMap<>();
        final List<VirtualService> withWildcard = new ArrayList<>();
    }

    private RoutesByGateway(List<VirtualService> virtualServices) {
        for (VirtualService vs : virtualServices) {
            for (NamespacedName gw : boundGateways(vs)) {
                Bound b = byGateway.computeIfAbsent(gw, k -> new Bound());
                b.all.add(vs);
                boolean wildcard = false;
                for (String host : new LinkedHashSet<>(vs.hostNames().stream().map(HostSet::norm).toList())) {
                    b.byHost.computeIfAbsent(host, k -> new ArrayList<>()).add(vs);
                    wildcard |= host.startsWith("*");
                }
                if (wildcard) {
                    b.withWildcard.add(vs);
                }
            }
        }
    }

    /** The Gateways {@code spec.gateways} names, each once; the mesh is none of them. */
    public static Set<NamespacedName> boundGateways(VirtualService vs) {
        Set<NamespacedName> out = new LinkedHashSet<>();
        if (vs.gatewaysSet()) {
            for (VirtualService.Ref ref : vs.gateways()) {
                if (!VirtualService.MESH.equals(ref.value())) {
                    out.add(VirtualService.gatewayRef(ref.value(), vs.resource().namespace()));
                }
            }
        }
        return out;
    }

    /** The stored VirtualServices bound to a Gateway. */
    public List<VirtualService> boundTo(NamespacedName gateway) {
        Bound b = byGateway.get(gateway);
        return b == null ? List.of() : b.all;
    }

    /**
     * The stored VirtualServices bound to a Gateway that may have routes for {@code host} there: those naming the
     * host itself, and those with a wildcard host (which may cover it). A superset, each once; the caller checks.
     */
    public Collection<VirtualService> mayRoute(NamespacedName gateway, String host) {
        Bound b = byGateway.get(gateway);
        if (b == null) {
            return List.of();
        }
        Set<VirtualService> out = Collections.newSetFromMap(new IdentityHashMap<>());
        out.addAll(b.byHost.getOrDefault(HostSet.norm(host), List.of()));
        out.addAll(b.withWildcard);
        return out;
    }
}
