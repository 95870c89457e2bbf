package io.gatewarden.demands;

import io.gatewarden.rules.Facts;

import java.util.ArrayList;
import java.util.List;

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
        for (CredentialDemand d : Demands.all(facts)) {
            if (facts.secret(d.namespace(), d.secretName()).isPresent()) {
                continue;
            }
            boolean elsewhere = facts.view().namespacesWithSecret(d.secretName()).stream()
                    .anyMatch(ns -> !ns.equals(d.namespace()));
            if (!elsewhere) {
                plan.add(new PlanEntry("create-secret", d.namespace(), d.secretName(), d.dnsNames(), d.forResources(),
                        "secret missing"));
            }
        }
        return plan;
    }
}
