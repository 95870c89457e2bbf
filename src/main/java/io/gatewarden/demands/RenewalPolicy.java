package io.gatewarden.demands;

import io.gatewarden.cluster.SecretData;
import io.gatewarden.facts.SecretAssessment;
import io.gatewarden.facts.SecretAssessments;
import io.gatewarden.pki.RenewalTiming;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiPredicate;

/**
 * When a managed Secret's certificate must be (re)issued, and why: an ordered chain of small named
 * checks over the Secret's {@link SecretAssessment}, the first that fires giving THE reason
 * (cert-manager's {@code internal/controller/certificates/policies}). The policy judges contents
 * only; whether a Secret may be written at all (it carries the managed label) is the caller's
 * question, asked before acting on the answer. Admission asks the same chain before it tells a user
 * that Gatewarden will re-issue a secret, so that promise is kept.
 *
 * @param timing when a certificate is due for renewal
 */
public record RenewalPolicy(RenewalTiming timing) {

    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

    /** Renew at 2/3 of the lifetime. */
    public static RenewalPolicy defaults() {
        return new RenewalPolicy(RenewalTiming.defaults());
    }

    /** The answer for one Secret, and when it is fine, until when that answer holds (its renewal time). */
    public record Verdict(Optional<IssuanceReason> reason, Instant renewAt) {
    }

    /**
     * The first reason to (re)issue the demanded Secret, or empty when its certificate is fine.
     *
     * @param secret the Secret's assessment, empty when it does not exist
     * @param currentIssuer fingerprint of the CA issuing now; null when unknown (analyze, admission),
     *                      which skips the issuer check
     */
    public Verdict judge(Optional<SecretAssessment> secret, CredentialDemand demand, String currentIssuer,
                         Instant now) {
        if (secret.isEmpty()) {
            return new Verdict(Optional.of(IssuanceReason.SECRET_MISSING), null);
        }
        SecretAssessment a = secret.get();
        for (Check check : CHAIN) {
            if (check.fires().test(a, new Context(demand, currentIssuer, now))) {
                return new Verdict(Optional.of(check.reason()), null);
            }
        }
        Instant renewAt = timing.renewalTime(a.notBefore(), a.notAfter());
        return now.isBefore(renewAt) ? new Verdict(Optional.empty(), renewAt)
                : new Verdict(Optional.of(IssuanceReason.RENEWAL_WINDOW), null);
    }

    /** {@link #judge} for existing Secrets, assessed together (one batched key test for the new versions). */
    public List<Verdict> judgeAll(List<RenewalCheck.Subject> subjects, SecretAssessments assessments,
                                  String currentIssuer, Instant now) {
        List<SecretAssessment> assessed = assessments.all(subjects.stream().map(RenewalCheck.Subject::secret).toList());
        List<Verdict> out = new ArrayList<>(subjects.size());
        for (int i = 0; i < subjects.size(); i++) {
            out.add(judge(Optional.of(assessed.get(i)), subjects.get(i).demand(), currentIssuer, now));
        }
        return out;
    }

    /** The check for {@code analyze}, which knows no issuing CA: everything but the issuer test. */
    public RenewalCheck offline(Clock clock, SecretAssessments assessments) {
        return subjects -> judgeAll(subjects, assessments, null, clock.instant()).stream().map(Verdict::reason).toList();
    }

    // ---- the chain: each check may assume every check before it passed ----

    private record Context(CredentialDemand demand, String issuer, Instant now) {
    }

    private record Check(IssuanceReason reason, BiPredicate<SecretAssessment, Context> fires) {
    }

    private static final List<Check> CHAIN = List.of(
            new Check(IssuanceReason.DATA_MISSING, (a, c) -> !a.usable()),
            new Check(IssuanceReason.KEY_MISMATCH, (a, c) -> !a.keyMatches()),
            new Check(IssuanceReason.DNS_NAMES_CHANGED, (a, c) -> !lowerSet(a.dnsNames()).equals(lowerSet(c.demand.dnsNames()))),
            new Check(IssuanceReason.USAGE_CHANGED, RenewalPolicy::usageChanged),
            new Check(IssuanceReason.CA_MISSING, (a, c) -> c.demand.needsCa() && !a.caParses()),
            new Check(IssuanceReason.ISSUER_CHANGED, (a, c) -> c.issuer != null
                    && (a.issuer() == null || !a.issuer().equalsIgnoreCase(c.issuer))),
            new Check(IssuanceReason.CHAIN_BROKEN, (a, c) -> !a.linkedByName()),
            new Check(IssuanceReason.WEAK, (a, c) -> !a.weaknesses().isEmpty()),
            new Check(IssuanceReason.EXPIRED, (a, c) -> !c.now.isBefore(a.notAfter()) || c.now.isBefore(a.notBefore())));

    /**
     * A secret named by a Gateway server needs serverAuth, one named by a DestinationRule for mutual
     * origination needs clientAuth (both when both name it); an unreadable extension counts as a change.
     */
    private static boolean usageChanged(SecretAssessment a, Context c) {
        Set<String> have = a.usages();
        if (have == null) {
            return true;
        }
        return (c.demand.purpose().server() && !have.contains(SERVER_AUTH))
                || (c.demand.purpose().client() && !have.contains(CLIENT_AUTH));
    }

    /** Compared as sets, ignoring case and order: a missing name and an extra name both count. */
    private static Set<String> lowerSet(List<String> names) {
        Set<String> set = new TreeSet<>();
        if (names != null) {
            for (String n : names) {
                set.add(n.strip().toLowerCase(Locale.ROOT));
            }
        }
        return set;
    }

    /** For callers holding a Secret rather than its assessment. */
    public Verdict judge(Optional<SecretData> secret, CredentialDemand demand, String currentIssuer, Instant now,
                         SecretAssessments assessments) {
        return judge(secret.map(assessments::of), demand, currentIssuer, now);
    }
}
