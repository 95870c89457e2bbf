package io.gatewarden.certificates;

import io.gatewarden.cluster.SecretData;
import io.gatewarden.demands.CredentialDemand;
import io.gatewarden.demands.IssuanceReason;
import io.gatewarden.demands.RenewalCheck;
import io.gatewarden.demands.RenewalPolicy;
import io.gatewarden.facts.SecretAssessments;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;

/**
 * The renewal check a reconcile pass plans with. A Secret found fine stays fine, without judging it
 * again, until its renewal time or until it changes (informers replace the Secret object on every
 * change), so the periodic sweep judges nothing. The others, which after a start or a leader change
 * is every Secret, are judged together, in up to {@link #JUDGES} shares at once. Used by the
 * reconcile thread only.
 */
public final class VerifiedCache {
    /**
     * Threads judging Secrets besides the reconcile thread. Bounded (at most 4 at once) so that a
     * first pass over thousands of Secrets leaves CPU to admission reviews on a bigger node; idle
     * workers end after a minute, so between start-ups this costs no thread.
     */
    private static final int JUDGES = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    private static final ForkJoinPool JUDGE_POOL = new ForkJoinPool(Math.max(1, JUDGES - 1));
    /** Fewer Secrets than this per thread are not worth a hand-off. */
    private static final int MIN_SHARE = 128;

    private final RenewalPolicy policy;
    private final SecretAssessments assessments;
    private final Map<String, Entry> verified = new HashMap<>();

    private record Entry(SecretData secret, CredentialDemand demand, String issuer, Instant renewAt) {
    }

    public VerifiedCache(RenewalPolicy policy, SecretAssessments assessments) {
        this.policy = policy;
        this.assessments = assessments;
    }

    /** The check for one pass with the CA whose fingerprint is {@code issuer}. */
    public RenewalCheck check(String issuer, Instant now) {
        return subjects -> reasons(subjects, issuer, now);
    }

    private List<Optional<IssuanceReason>> reasons(List<RenewalCheck.Subject> subjects, String issuer, Instant now) {
        List<Optional<IssuanceReason>> reasons = new ArrayList<>(subjects.size());
        List<RenewalCheck.Subject> misses = new ArrayList<>();
        List<Integer> missAt = new ArrayList<>();
        for (RenewalCheck.Subject s : subjects) {
            if (stillVerified(s, issuer, now)) {
                reasons.add(Optional.empty());
            } else {
                missAt.add(reasons.size());
                reasons.add(null);
                misses.add(s);
            }
        }
        List<RenewalPolicy.Verdict> verdicts = judge(misses, issuer, now);
        for (int i = 0; i < misses.size(); i++) {
            RenewalCheck.Subject s = misses.get(i);
            RenewalPolicy.Verdict v = verdicts.get(i);
            reasons.set(missAt.get(i), v.reason());
            if (v.reason().isEmpty()) {
                verified.put(key(s.secret()), new Entry(s.secret(), s.demand(), issuer, v.renewAt()));
            }
        }
        return reasons;
    }

    /** Same Secret object, same demand and issuer, before its renewal time. */
    private boolean stillVerified(RenewalCheck.Subject s, String issuer, Instant now) {
        Entry v = verified.get(key(s.secret()));
        return v != null && v.secret() == s.secret() && v.demand().equals(s.demand()) && v.issuer().equals(issuer)
                && now.isBefore(v.renewAt());
    }

    /** The checks are independent and CPU bound; this thread takes the first share, a short list stays on it. */
    private List<RenewalPolicy.Verdict> judge(List<RenewalCheck.Subject> subjects, String issuer, Instant now) {
        int shares = Math.min(JUDGES, subjects.size() / MIN_SHARE);
        if (shares <= 1) {
            return policy.judgeAll(subjects, assessments, issuer, now);
        }
        List<CompletableFuture<List<RenewalPolicy.Verdict>>> others = new ArrayList<>();
        for (int k = 1; k < shares; k++) {
            List<RenewalCheck.Subject> share = share(subjects, k, shares);
            others.add(CompletableFuture.supplyAsync(() -> policy.judgeAll(share, assessments, issuer, now), JUDGE_POOL));
        }
        List<RenewalPolicy.Verdict> verdicts = new ArrayList<>(
                policy.judgeAll(share(subjects, 0, shares), assessments, issuer, now));
        for (CompletableFuture<List<RenewalPolicy.Verdict>> other : others) {
            verdicts.addAll(other.join());
        }
        return verdicts;
    }

    /** Forgets the Secrets nothing demands any more ({@code namespace/name}). */
    void retainOnly(Set<String> demanded) {
        verified.keySet().retainAll(demanded);
    }

    /** The earliest renewal time of a Secret found fine. */
    Optional<Instant> nextRenewal() {
        return verified.values().stream().map(Entry::renewAt).min(Instant::compareTo);
    }

    public int size() {
        return verified.size();
    }

    private static <T> List<T> share(List<T> all, int k, int shares) {
        return all.subList(all.size() * k / shares, all.size() * (k + 1) / shares);
    }

    static String key(SecretData secret) {
        return secret.namespace() + "/" + secret.name();
    }
}
