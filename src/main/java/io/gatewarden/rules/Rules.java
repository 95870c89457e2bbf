package io.gatewarden.rules;

import io.gatewarden.model.Kind;

import java.util.List;

/** The registry of rule families; a code's rule is found by searching for the code. */
public final class Rules {
    private Rules() {
    }

    public static List<Rule> all() {
        return List.of(new GatewayStructureRules(), new ServerTlsRules(), new CredentialRules(), new CredentialAccessRules(),
                new GatewayConflictRules(), new RouteRules(), new MeshHostRules(), new OriginationCredentialRules(),
                new ServiceEntryRules(), new ServicePortRules(), new EgressPolicyRules(), new EgressPolicyRules.Sidecars(),
                new DestinationRuleRules(), new EgressRoutingRules(), new OwnershipRules(), new OwnershipRules.Claims(Kind.VIRTUAL_SERVICE),
                new OwnershipRules.Claims(Kind.K8S_GATEWAY), new OwnershipRules.Claims(Kind.HTTP_ROUTE),
                new OwnershipRules.Claims(Kind.GRPC_ROUTE), new OwnershipRules.Claims(Kind.TLS_ROUTE),
                new TlsPolicyRules(), new ListenerRules(), new MixedApiRules(),
                new MixedApiRules.Listeners(), new K8sRouteRules(Kind.HTTP_ROUTE), new K8sRouteRules(Kind.GRPC_ROUTE),
                new K8sRouteRules(Kind.TLS_ROUTE), new K8sRouteRules(Kind.TCP_ROUTE), new WaypointRules(),
                new WaypointRules.Labels(Kind.NAMESPACE), new WaypointRules.Labels(Kind.SERVICE));
    }
}
