package io.gatewarden.demands;

import io.gatewarden.model.IstioGateway;
import io.gatewarden.rules.Facts;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** What the certificate manager would do for the demands of a view: analyze's {@code plan}. */
public final class Plan {
    private Plan() {
    }

    /**
     * A missing secret is created unless a same-named secret elsewhere suggests the user's own
     * certificate is misplaced (GW303): Gatewarden never papers over that.
     */
    public static List<PlanEntry> of(Facts facts) {
        List<PlanEntry> plan = new ArrayList<>();
        if (!facts.settings().provisioning()) {
            return plan;
        }
        // The same test as GW303, per referencing Gateway: a copy in another namespace where that
        // Gateway's own proxies run is not misplaced, and does not stop provisioning.
        Set<String> misplaced = new HashSet<>();
        for (IstioGateway gw : facts.gateways()) {
            for (CredentialRef ref : Demands.refs(gw, facts)) {
                if (ref.resolvable() && facts.secret(ref.namespace(), ref.secretName()).isEmpty()
                        && !Demands.misplacedCopies(ref, facts).isEmpty()) {
                    misplaced.add(ref.namespace() + "/" + ref.secretName());
                }
            }
        }
        for (CredentialDemand d : Demands.all(facts)) {
            if (facts.secret(d.namespace(), d.secretName()).isPresent()) {
                continue;
            }
            if (!misplaced.contains(d.namespace() + "/" + d.secretName()) && Demands.validSecretName(d.secretName())) {
                plan.add(new PlanEntry("create-secret", d.namespace(), d.secretName(), d.dnsNames(), d.forResources(),
                        "secret missing"));
            }
        }
        return plan;
    }
}
