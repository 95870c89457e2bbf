package io.gatewarden.rules;

import java.util.List;

/** The registry of rule families; a code's rule is found by searching for the code. */
public final class Rules {
    private Rules() {
    }

    public static List<Rule> all() {
        return List.of(new GatewayStructureRules(), new ServerTlsRules(), new CredentialRules(), new CredentialAccessRules(),
                new GatewayConflictRules(), new RouteRules(), new MeshHostRules(), new OriginationCredentialRules(),
                new ServiceEntryRules(), new ServicePortRules(), new EgressPolicyRules(), new EgressPolicyRules.Sidecars(),
                new DestinationRuleRules(), new EgressRoutingRules(), new OwnershipRules(), new OwnershipRules.Routes(),
                new TlsPolicyRules());
    }
}
