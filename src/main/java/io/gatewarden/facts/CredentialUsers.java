package io.gatewarden.facts;

import io.gatewarden.cluster.Derivation;
import io.gatewarden.model.CredentialName;
import io.gatewarden.model.DestinationRule;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.model.Kind;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which stored Gateways and DestinationRules name a credential (by Secret name, whatever the
 * namespace prefix): so that the demand for one Secret is found without walking every Gateway.
 */
public final class CredentialUsers {
    public static final Derivation<CredentialUsers> DERIVATION = Derivation.of("credential users",
            Set.of(Kind.ISTIO_GATEWAY, Kind.DESTINATION_RULE), source -> new CredentialUsers(
                    source.get(Parsed.GATEWAYS.stored()).list(), source.get(Parsed.DESTINATION_RULES.stored()).list()));

    private final Map<String, List<IstioGateway>> gateways = new HashMap<>();
    private final Map<String, List<DestinationRule>> destinationRules = new HashMap<>();

    private CredentialUsers(List<IstioGateway> allGateways, List<DestinationRule> allRules) {
        for (IstioGateway gw : allGateways) {
            for (String name : names(gw)) {
                List<IstioGateway> users = gateways.computeIfAbsent(name, k -> new ArrayList<>());
                if (users.isEmpty() || users.get(users.size() - 1) != gw) {
                    users.add(gw);
                }
            }
        }
        for (DestinationRule dr : allRules) {
            for (DestinationRule.Tls tls : dr.tls()) {
                if (tls.hasCredentialName()) {
                    List<DestinationRule> users = destinationRules.computeIfAbsent(
                            CredentialName.parse(tls.credentialName()).name(), k -> new ArrayList<>());
                    if (users.isEmpty() || users.get(users.size() - 1) != dr) {
                        users.add(dr);
                    }
                }
            }
        }
    }

    /** The Secret names a Gateway's servers name. */
    public static List<String> names(IstioGateway gw) {
        List<String> names = new ArrayList<>();
        for (IstioGateway.Server server : gw.servers()) {
            if (server != null && server.tls() != null) {
                for (Map.Entry<String, String> c : server.tls().credentials()) {
                    names.add(CredentialName.parse(c.getValue()).name());
                }
            }
        }
        return names;
    }

    public List<IstioGateway> gateways(String secretName) {
        return gateways.getOrDefault(secretName, List.of());
    }

    public List<DestinationRule> destinationRules(String secretName) {
        return destinationRules.getOrDefault(secretName, List.of());
    }
}
