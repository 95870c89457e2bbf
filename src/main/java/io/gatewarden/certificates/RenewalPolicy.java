package io.gatewarden.certificates;

import io.gatewarden.cluster.SecretData;
import io.gatewarden.demands.CredentialDemand;
import io.gatewarden.pki.CertificateIssuer;
import io.gatewarden.pki.HostCoverage;
import io.gatewarden.pki.KeyMatch;
import io.gatewarden.pki.Pem;
import io.gatewarden.pki.PemException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
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
 * {@code renewBeforeFraction} (default 1/3, i.e. renewal at 2/3 of the lifetime). "Lifetime" is the
 * certificate's actual lifetime: notAfter − notBefore, less the one-hour back-dating
 * ({@link CertificateIssuer#BACKDATE}) that every certificate Gatewarden issues carries, so a
 * 90-day certificate renews at day 60 and a 90-second one at second 60 after issuing. (A span of an
 * hour or less cannot carry the back-dating and is taken whole.) A {@code renewBefore} that is not
 * shorter than the lifetime would renew forever, so then the fraction applies instead, as
 * cert-manager does.
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
        Instant notAfter = cert.getNotAfter().toInstant();
        Duration span = Duration.between(cert.getNotBefore().toInstant(), notAfter);
        Duration lifetime = span.compareTo(CertificateIssuer.BACKDATE) > 0 ? span.minus(CertificateIssuer.BACKDATE) : span;
        Duration before = renewBefore != null && renewBefore.compareTo(lifetime) < 0
                ? renewBefore
                : Duration.ofNanos(new BigDecimal(lifetime.toNanos()).multiply(BigDecimal.valueOf(renewBeforeFraction))
                        .setScale(0, RoundingMode.HALF_UP).longValueExact());
        return notAfter.minus(before);
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
        Input in = new Input(secret.orElse(null), Objects.requireNonNull(demand, "demand"),
                currentIssuerFingerprint,
                Objects.requireNonNull(now, "now"));
        for (Check check : chain()) {
            if (check.fires().test(in)) {
                return Optional.of(check.reason());
            }
        }
        return Optional.empty();
    }

    /** The check for {@code analyze}, which knows no issuing CA: everything but the issuer test. */
    public io.gatewarden.demands.RenewalCheck offline(java.time.Clock clock) {
        return (secret, demand) -> check(Optional.of(secret), demand, null, clock.instant());
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
        return !KeyMatch.matches(in.leaf(), in.key());
    }

    /** Compared as sets, ignoring case and order: a missing name and an extra name both count. */
    private static boolean dnsNamesChanged(Input in) {
        return !lowerSet(HostCoverage.dnsNames(in.leaf())).equals(lowerSet(in.demand.dnsNames()));
    }

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
        return !in.now.isBefore(in.leaf().getNotAfter().toInstant())
                || in.now.isBefore(in.leaf().getNotBefore().toInstant());
    }

    private boolean inRenewalWindow(Input in) {
        return !in.now.isBefore(renewalTime(in.leaf()));
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

    /** What the checks look at; tls.crt and tls.key are parsed once, on first use. */
    private static final class Input {
        final SecretData secret;
        final CredentialDemand demand;
        final String issuer;
        final Instant now;
        private boolean parsed;
        private X509Certificate leaf;
        private PrivateKey key;

        Input(SecretData secret, CredentialDemand demand, String issuer, Instant now) {
            this.secret = secret;
            this.demand = demand;
            this.issuer = issuer;
            this.now = now;
        }

        X509Certificate leaf() {
            parse();
            return leaf;
        }

        PrivateKey key() {
            parse();
            return key;
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
