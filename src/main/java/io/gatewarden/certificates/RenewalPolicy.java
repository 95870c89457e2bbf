package io.gatewarden.certificates;

import io.gatewarden.cluster.SecretData;
import io.gatewarden.demands.CredentialDemand;
import io.gatewarden.demands.RenewalCheck;
import io.gatewarden.pki.HostCoverage;
import io.gatewarden.pki.KeyMatch;
import io.gatewarden.pki.Pem;
import io.gatewarden.pki.PemException;
import io.gatewarden.pki.RenewalTime;
import java.math.BigDecimal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * When a managed Secret's certificate must be (re)issued, and why: an ordered chain of small named
 * checks, the first that fires giving THE reason (cert-manager's
 * {@code internal/controller/certificates/policies}). The policy judges contents only; whether a
 * Secret may be written at all (it carries {@link ManagedSecret#MANAGED_LABEL}) is the caller's
 * question, asked before acting on the answer.
 *
 * <p>Renewal time = notAfter − {@code renewBefore} when set, else notAfter − lifetime ×
 * {@code renewBeforeFraction} (default 1/3, i.e. renewal at 2/3 of the lifetime), the lifetime
 * measured from issuance, without the back-dating: {@link RenewalTime#due}, the same rule the CA's
 * rotation follows. A 90-day certificate renews at day 60, a 90-second one 60 s after issuing.
 *
 * @param renewBeforeFraction share of the lifetime before notAfter at which to renew, in (0, 1);
 *     null means 1/3
 * @param renewBefore absolute time before notAfter at which to renew, overriding the fraction;
 *     null for none
 */
public record RenewalPolicy(Double renewBeforeFraction, Duration renewBefore) {

    public static final double DEFAULT_FRACTION = 1.0 / 3.0;

    public RenewalPolicy {
        if (renewBeforeFraction == null) {
            renewBeforeFraction = DEFAULT_FRACTION;
        }
        if (!(renewBeforeFraction > 0.0 && renewBeforeFraction < 1.0)) {
            throw new IllegalArgumentException("renewBeforeFraction must be between 0 and 1 (exclusive), got "
                    + renewBeforeFraction);
        }
        if (renewBefore != null && (renewBefore.isNegative() || renewBefore.isZero())) {
            throw new IllegalArgumentException("renewBefore must be positive, got " + renewBefore);
        }
    }

    /** Renew at 2/3 of the lifetime. */
    public static RenewalPolicy defaults() {
        return new RenewalPolicy(null, null);
    }

    /** When the certificate should be renewed (see the class comment). */
    public Instant renewalTime(X509Certificate cert) {
        return renewalTime(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant(), fraction());
    }

    /** The fraction as an exact decimal: made once per call of the checks, not per certificate (Double.toString). */
    private BigDecimal fraction() {
        return BigDecimal.valueOf(renewBeforeFraction);
    }

    private Instant renewalTime(Instant notBefore, Instant notAfter, BigDecimal fraction) {
        return RenewalTime.due(notBefore, notAfter, fraction, renewBefore);
    }

    /**
     * The first reason to (re)issue the demanded Secret, or empty when its certificate is fine.
     *
     * @param secret the Secret as it is now, empty when it does not exist
     * @param currentIssuerFingerprint {@code CertificateAuthority.fingerprint()} of the CA issuing now;
     *                                 null when unknown (analyze), which skips the issuer check
     */
    public Optional<IssuanceReason> check(Optional<SecretData> secret, CredentialDemand demand,
                                          String currentIssuerFingerprint, Instant now) {
        return judge(new Input(secret.orElse(null), demand, currentIssuerFingerprint, now, fraction())).reason();
    }

    /**
     * The answer of {@link #check} and, when the certificate is fine, its {@link #renewalTime}: until
     * then the answer stays the same for the same Secret, demand and issuer.
     */
    public record Verdict(Optional<IssuanceReason> reason, Instant renewAt) {
    }

    /**
     * {@link #check} for many existing Secrets at once, in order, with the same answers. Each
     * tls.crt and tls.key is parsed once, and the keys of all are tested against their certificates
     * in one batch ({@link KeyMatch#matchAll}) instead of one scalar multiplication each.
     */
    public List<Verdict> checkAll(List<RenewalCheck.Subject> subjects, String currentIssuerFingerprint, Instant now) {
        List<Input> inputs = new ArrayList<>(subjects.size());
        List<Input> withKeys = new ArrayList<>();
        BigDecimal fraction = fraction();
        for (RenewalCheck.Subject s : subjects) {
            Input in = new Input(s.secret(), s.demand(), currentIssuerFingerprint, now, fraction);
            inputs.add(in);
            if (in.secret != null && in.leaf() != null && in.key() != null) {
                withKeys.add(in);
            }
        }
        boolean[] matches = KeyMatch.matchAll(withKeys.stream().map(Input::leaf).toList(),
                withKeys.stream().map(Input::key).toList());
        for (int i = 0; i < matches.length; i++) {
            withKeys.get(i).keyMatches = matches[i];
        }
        return inputs.stream().map(this::judge).toList();
    }

    /** The check for {@code analyze}, which knows no issuing CA: everything but the issuer test. */
    public RenewalCheck offline(java.time.Clock clock) {
        return new RenewalCheck() {
            @Override
            public Optional<IssuanceReason> reason(SecretData secret, CredentialDemand demand) {
                return check(Optional.of(secret), demand, null, clock.instant());
            }

            @Override
            public List<Optional<IssuanceReason>> reasons(List<Subject> subjects) {
                return checkAll(subjects, null, clock.instant()).stream().map(Verdict::reason).toList();
            }
        };
    }

    private Verdict judge(Input in) {
        for (Check check : chain()) {
            if (check.fires().test(in)) {
                return new Verdict(Optional.of(check.reason()), null);
            }
        }
        return new Verdict(Optional.empty(), in.renewAt);
    }

    // ---- the chain: each check may assume every check before it passed ----

    private record Check(IssuanceReason reason, Predicate<Input> fires) {
    }

    private List<Check> chain() {
        return List.of(
                new Check(IssuanceReason.SECRET_MISSING, RenewalPolicy::secretMissing),
                new Check(IssuanceReason.DATA_MISSING, RenewalPolicy::dataMissing),
                new Check(IssuanceReason.KEY_MISMATCH, RenewalPolicy::keyMismatch),
                new Check(IssuanceReason.DNS_NAMES_CHANGED, RenewalPolicy::dnsNamesChanged),
                new Check(IssuanceReason.USAGE_CHANGED, RenewalPolicy::usageChanged),
                new Check(IssuanceReason.CA_MISSING, RenewalPolicy::caMissing),
                new Check(IssuanceReason.ISSUER_CHANGED, RenewalPolicy::issuerChanged),
                new Check(IssuanceReason.EXPIRED, RenewalPolicy::expired),
                new Check(IssuanceReason.RENEWAL_WINDOW, this::inRenewalWindow));
    }

    private static boolean secretMissing(Input in) {
        return in.secret == null;
    }

    /** tls.crt or tls.key absent, empty or unparsable. */
    private static boolean dataMissing(Input in) {
        return in.leaf() == null || in.key() == null;
    }

    private static boolean keyMismatch(Input in) {
        if (in.keyMatches == null) {
            in.keyMatches = KeyMatch.matches(in.leaf(), in.key());
        }
        return !in.keyMatches;
    }

    /** Compared as sets, ignoring case and order: a missing name and an extra name both count. */
    private static boolean dnsNamesChanged(Input in) {
        return !lowerSet(HostCoverage.dnsNames(in.leaf())).equals(lowerSet(in.demand.dnsNames()));
    }

    /**
     * A secret named by a Gateway server needs serverAuth, one named by a DestinationRule for
     * mutual origination needs clientAuth (both when both name it); an unreadable extension counts
     * as a change.
     */
    private static boolean usageChanged(Input in) {
        try {
            List<String> usages = in.leaf().getExtendedKeyUsage();
            List<String> have = usages == null ? List.of() : usages;
            return (in.demand.purpose().server() && !have.contains(SERVER_AUTH))
                    || (in.demand.purpose().client() && !have.contains(CLIENT_AUTH));
        } catch (java.security.cert.CertificateParsingException e) {
            return true;
        }
    }

    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

    /** A mutual-TLS demand needs ca.crt; a present but unparsable one is as good as missing. */
    private static boolean caMissing(Input in) {
        if (!in.demand.needsCa()) {
            return false;
        }
        byte[] ca = in.secret.value(ManagedSecret.CA_CRT);
        if (ca == null) {
            return true;
        }
        try {
            Pem.certificates(ca);
            return false;
        } catch (PemException e) {
            return true;
        }
    }

    /**
     * The rule chosen: the Secret's {@link ManagedSecret#ISSUER_ANNOTATION} must equal the current
     * CA's fingerprint (ignoring case); a missing annotation counts as a change. It is what the
     * caller can give (a fingerprint, not the CA), costs no signature verification per Secret and
     * reconcile, and after a CA rotation moves every leaf to the new CA even though the old CA
     * still verifies it (it stays trusted only until it expires).
     */
    private static boolean issuerChanged(Input in) {
        if (in.issuer == null) {
            return false; // offline: the issuing CA is unknown
        }
        String annotated = in.secret.annotations() == null ? null
                : in.secret.annotations().get(ManagedSecret.ISSUER_ANNOTATION);
        return annotated == null || !annotated.strip().equalsIgnoreCase(in.issuer);
    }

    /** now ≥ notAfter, or now < notBefore. */
    private static boolean expired(Input in) {
        return !in.now.isBefore(in.notAfter()) || in.now.isBefore(in.notBefore());
    }

    /** Also keeps the renewal time for the {@link Verdict}: the last check, so reached only by a fine certificate. */
    private boolean inRenewalWindow(Input in) {
        in.renewAt = renewalTime(in.notBefore(), in.notAfter(), in.fraction);
        return !in.now.isBefore(in.renewAt);
    }

    private static Set<String> lowerSet(List<String> names) {
        Set<String> set = new TreeSet<>();
        if (names != null) {
            for (String n : names) {
                set.add(n.strip().toLowerCase(Locale.ROOT));
            }
        }
        return set;
    }

    /**
     * What the checks look at; tls.crt and tls.key are parsed once, on first use, and whether the key
     * matches is computed once (or set beforehand by {@link #checkAll}'s batch).
     */
    private static final class Input {
        final SecretData secret;
        final CredentialDemand demand;
        final String issuer;
        final Instant now;
        final BigDecimal fraction;
        private boolean parsed;
        private X509Certificate leaf;
        private PrivateKey key;
        private Instant notBefore;
        private Instant notAfter;
        Boolean keyMatches;
        Instant renewAt;

        Input(SecretData secret, CredentialDemand demand, String issuer, Instant now, BigDecimal fraction) {
            this.secret = secret;
            this.fraction = fraction;
            this.demand = Objects.requireNonNull(demand, "demand");
            this.issuer = issuer;
            this.now = Objects.requireNonNull(now, "now");
        }

        X509Certificate leaf() {
            parse();
            return leaf;
        }

        PrivateKey key() {
            parse();
            return key;
        }

        // Read once: each X509Certificate date getter is an attribute lookup by name and a copy.
        Instant notBefore() {
            if (notBefore == null) {
                notBefore = leaf().getNotBefore().toInstant();
            }
            return notBefore;
        }

        Instant notAfter() {
            if (notAfter == null) {
                notAfter = leaf().getNotAfter().toInstant();
            }
            return notAfter;
        }

        private void parse() {
            if (parsed) {
                return;
            }
            parsed = true;
            byte[] crt = secret.value(ManagedSecret.TLS_CRT);
            byte[] pem = secret.value(ManagedSecret.TLS_KEY);
            try {
                leaf = crt == null ? null : Pem.certificates(crt).get(0);
            } catch (PemException e) {
                leaf = null;
            }
            try {
                key = pem == null ? null : Pem.privateKey(pem);
            } catch (PemException e) {
                key = null;
            }
        }
    }
}
