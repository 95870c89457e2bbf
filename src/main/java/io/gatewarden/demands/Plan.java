package io.gatewarden.demands;

import io.gatewarden.demands.IssuanceReason;
import io.gatewarden.cluster.SecretData;
import io.gatewarden.facts.Facts;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What the certificate manager does for the demands of a view. The same function gives
 * {@code analyze}'s plan and the manager's work list, so the two never disagree.
 */
public final class Plan {
    private Plan() {
    }

    /**
     * A missing secret is created unless a same-named secret elsewhere suggests the user's own
     * certificate is misplaced (GW303): Gatewarden never papers over that. A secret without the
     * managed label is never touched. A managed one is renewed when {@code check} gives a reason.
     */
    public static List<PlanEntry> of(Facts facts, RenewalCheck check) {
        List<PlanEntry> plan = new ArrayList<>();
        if (!facts.settings().provisioning()) {
            return plan;
        }
        Set<String> misplaced = null; // on the first missing secret: a pass over existing ones never needs it
        List<RenewalCheck.Subject> managed = new ArrayList<>();
        List<Integer> slots = new ArrayList<>(); // where each managed secret's renewal would go in the plan
        for (CredentialDemand d : Demands.all(facts)) {
            if (!Demands.provisionable(d)) {
                continue;
            }
            Optional<SecretData> secret = facts.secret(d.namespace(), d.secretName());
            if (secret.isEmpty()) {
                misplaced = misplaced != null ? misplaced : misplaced(facts);
                if (!misplaced.contains(d.namespace() + "/" + d.secretName())) {
                    plan.add(new PlanEntry("create-secret", d, IssuanceReason.SECRET_MISSING));
                }
            } else if (secret.get().managed()) {
                slots.add(plan.size());
                plan.add(null);
                managed.add(new RenewalCheck.Subject(secret.get(), d));
            }
        }
        // All managed secrets are judged in one call: the check may batch and parallelise the work.
        List<Optional<IssuanceReason>> reasons = check.reasons(managed);
        for (int i = 0; i < managed.size(); i++) {
            CredentialDemand d = managed.get(i).demand();
            plan.set(slots.get(i), reasons.get(i).map(r -> new PlanEntry("renew-secret", d, r)).orElse(null));
        }
        plan.removeIf(Objects::isNull);
        return plan;
    }

    /**
     * The same test as GW303, per referencing Gateway: a copy in another namespace where that
     * Gateway's own proxies run is not misplaced, and does not stop provisioning.
     */
    private static Set<String> misplaced(Facts facts) {
        Set<String> misplaced = new HashSet<>();
        for (CredentialRef ref : Demands.allRefs(facts)) {
            if (ref.resolvable() && facts.secret(ref.namespace(), ref.secretName()).isEmpty()
                    && !Demands.misplacedCopies(ref, facts).isEmpty()) {
                misplaced.add(ref.namespace() + "/" + ref.secretName());
            }
        }
        return misplaced;
    }
}
