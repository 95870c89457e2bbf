package io.gatewarden.facts;

import io.gatewarden.cluster.Derivation;
import io.gatewarden.model.Kind;
import io.gatewarden.model.NamespacedName;
import io.gatewarden.model.VirtualService;

import java.util.ArrayList;
import java.util.HashMap;
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

    private final Map<NamespacedName, List<VirtualService>> byGateway = new HashMap<>();

    private RoutesByGateway(List<VirtualService> virtualServices) {
        for (VirtualService vs : virtualServices) {
            for (NamespacedName gw : boundGateways(vs)) {
                byGateway.computeIfAbsent(gw, k -> new ArrayList<>()).add(vs);
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
        return byGateway.getOrDefault(gateway, List.of());
    }
}
