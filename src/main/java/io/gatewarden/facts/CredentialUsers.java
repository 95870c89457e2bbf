package io.gatewarden.facts;

import io.gatewarden.cluster.Derivation;
import io.gatewarden.model.CredentialName;
import io.gatewarden.model.DestinationRule;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.model.K8sGateway;
import io.gatewarden.model.Kind;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which stored Gateways (Istio's and the Gateway API's) and DestinationRules name a credential (by
 * Secret name, whatever the namespace): so that the demand for one Secret is found without walking
 * every Gateway.
 */
public final class CredentialUsers {
    public static final Derivation<CredentialUsers> DERIVATION = Derivation.of("credential users",
            Set.of(Kind.ISTIO_GATEWAY, Kind.DESTINATION_RULE, Kind.K8S_GATEWAY), source -> new CredentialUsers(
                    source.get(Parsed.GATEWAYS.stored()).list(), source.get(Parsed.DESTINATION_RULES.stored()).list(),
                    source.get(Parsed.K8S_GATEWAYS.stored()).list()));

    private final Map<String, List<IstioGateway>> gateways = new HashMap<>();
    private final Map<String, List<DestinationRule>> destinationRules = new HashMap<>();
    private final Map<String, List<K8sGateway>> k8sGateways = new HashMap<>();

    private CredentialUsers(List<IstioGateway> allGateways, List<DestinationRule> allRules,
                            List<K8sGateway> allK8sGateways) {
        for (IstioGateway gw : allGateways) {
            for (String name : names(gw)) {
                add(gateways, name, gw);
            }
        }
        for (DestinationRule dr : allRules) {
            for (DestinationRule.Tls tls : dr.tls()) {
                if (tls.hasCredentialName()) {
                    add(destinationRules, CredentialName.parse(tls.credentialName()).name(), dr);
                }
            }
        }
        for (K8sGateway gw : allK8sGateways) {
            for (K8sGateway.Listener l : gw.listeners()) {
                for (K8sGateway.ObjectReference ref : l.certificateRefs()) {
                    if (ref.isSecret() && ref.name() != null) {
                        add(k8sGateways, ref.name(), gw);
                    }
                }
            }
        }
    }

    /** Adds a user of a name once, however many times it names it (users are added one at a time). */
    private static <T> void add(Map<String, List<T>> byName, String name, T user) {
        List<T> users = byName.computeIfAbsent(name, k -> new ArrayList<>());
        if (users.isEmpty() || users.get(users.size() - 1) != user) {
            users.add(user);
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

    /** The Gateway API Gateways whose listeners name that Secret in a certificateRef. */
    public List<K8sGateway> k8sGateways(String secretName) {
        return k8sGateways.getOrDefault(secretName, List.of());
    }

    public List<DestinationRule> destinationRules(String secretName) {
        return destinationRules.getOrDefault(secretName, List.of());
    }
}
