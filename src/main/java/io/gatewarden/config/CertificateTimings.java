package io.gatewarden.config;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The certificate manager's timing settings, parsed, and the rules they must meet together
 * ({@link #problems()}, a pure function): a combination that breaks one never runs. The rules:
 * <ul>
 *   <li>{@code lifetime} ≥ {@value #MIN_LEAF_LIFETIME_SECONDS} s and {@code ca-lifetime},
 *       {@code lifetime} ≤ 100 years;</li>
 *   <li>{@code renew-before-fraction} in (0, 1); {@code renew-before}, when set, in (0, {@code lifetime});</li>
 *   <li>the renewal window (the time between a leaf's renewal time and its expiry: {@code renew-before},
 *       else {@code lifetime} × {@code renew-before-fraction}) ≥ {@value #MIN_RENEWAL_WINDOW_SECONDS} s;</li>
 *   <li>{@code ca-lifetime} ≥ 3 × {@code lifetime};</li>
 *   <li>1 s ≤ {@code sweep-interval} ≤ 1 day; 1 s ≤ {@code max-backoff} ≤ the renewal window (unset: 5 min,
 *       or the window when shorter);</li>
 *   <li>with leader election: retry-period × 2.2 &lt; renew-deadline &lt; lease-duration &lt; the
 *       renewal window.</li>
 * </ul>
 *
 * @param renewBefore null when not set
 * @param maxBackoff null when not set: see {@link #backoffLimit()}
 * @param leaderElection null when leader election is off
 */
public record CertificateTimings(Duration lifetime, double renewBeforeFraction, Duration renewBefore,
                                 Duration caLifetime, Duration sweepInterval, Duration maxBackoff,
                                 LeaderElection leaderElection) {

    static final String PREFIX = "gatewarden.certificates.";
    public static final String LIFETIME = PREFIX + "lifetime";
    public static final String FRACTION = PREFIX + "renew-before-fraction";
    public static final String RENEW_BEFORE = PREFIX + "renew-before";
    public static final String CA_LIFETIME = PREFIX + "ca-lifetime";
    public static final String SWEEP_INTERVAL = PREFIX + "sweep-interval";
    public static final String MAX_BACKOFF = PREFIX + "max-backoff";
    public static final String LEASE_DURATION = PREFIX + "leader-election.lease-duration";
    public static final String RENEW_DEADLINE = PREFIX + "leader-election.renew-deadline";
    public static final String RETRY_PERIOD = PREFIX + "leader-election.retry-period";

    /**
     * Below this a leaf's renewal window cannot hold what one renewal may need: the write, the
     * informer round trip, a few retries with the 1 s, 2 s, 4 s back-off, and Istio picking up the
     * new Secret.
     */
    static final long MIN_RENEWAL_WINDOW_SECONDS = 10;
    /** The smallest lifetime whose default third (renewal at 20 s) still leaves that window. */
    static final long MIN_LEAF_LIFETIME_SECONDS = 30;
    /** X.509 dates end in 9999; a century is far beyond any sensible certificate. */
    static final Duration MAX_LIFETIME = Duration.ofDays(36_500);
    /**
     * The CA rotates when a third of its life is left; a leaf issued by it just before then must fit
     * its whole life in that third, or it would be cut short at the CA's notAfter.
     */
    static final int CA_TO_LEAF = 3;
    static final Duration DEFAULT_MAX_BACKOFF = Duration.ofMinutes(5);
    /** fabric8 (as client-go) wants renew-deadline &gt; retry-period × (1 + its jitter factor 1.2). */
    static final double RETRY_TO_RENEW_DEADLINE = 2.2;

    public record LeaderElection(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
    }

    /**
     * The time between a leaf's renewal time and its expiry, for a leaf of the full {@code lifetime}:
     * {@code renew-before} when set (and shorter than the lifetime), else lifetime × fraction.
     */
    public Duration renewalWindow() {
        if (renewBefore != null && renewBefore.compareTo(lifetime) < 0) {
            return renewBefore;
        }
        return Duration.ofNanos(new BigDecimal(lifetime.toNanos()).multiply(BigDecimal.valueOf(renewBeforeFraction))
                .setScale(0, RoundingMode.HALF_UP).longValue());
    }

    /** As the rules compare it: the default fraction 0.3333333333 of 30 s is a 10 s window, not 9.999999999 s. */
    private Duration windowToTheMillisecond() {
        return Duration.ofMillis(renewalWindow().plusNanos(500_000).toMillis());
    }

    /** The back-off cap: {@code max-backoff} when set, else 5 minutes or the renewal window if that is shorter. */
    public Duration backoffLimit() {
        if (maxBackoff != null) {
            return maxBackoff;
        }
        Duration window = renewalWindow();
        return window.compareTo(DEFAULT_MAX_BACKOFF) < 0 ? window : DEFAULT_MAX_BACKOFF;
    }

    /** Every rule broken, each naming the setting, its value and the bound; empty when the settings may run. */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        positive(p, LIFETIME, lifetime);
        positive(p, CA_LIFETIME, caLifetime);
        positive(p, SWEEP_INTERVAL, sweepInterval);
        if (maxBackoff != null) {
            positive(p, MAX_BACKOFF, maxBackoff);
        }
        if (!p.isEmpty()) {
            return p; // the rules below compare these
        }
        atLeast(p, LIFETIME, lifetime, Duration.ofSeconds(MIN_LEAF_LIFETIME_SECONDS), MIN_LEAF_LIFETIME_SECONDS
                + "s, so that renewal at two thirds leaves a " + MIN_RENEWAL_WINDOW_SECONDS + "s window");
        atMost(p, LIFETIME, lifetime, MAX_LIFETIME, "100 years (36500d)");
        atMost(p, CA_LIFETIME, caLifetime, MAX_LIFETIME, "100 years (36500d)");
        boolean lifetimeOk = p.isEmpty();
        if (lifetime.compareTo(MAX_LIFETIME) <= 0 && caLifetime.compareTo(lifetime.multipliedBy(CA_TO_LEAF)) < 0) {
            p.add(CA_LIFETIME + "=" + Durations.format(caLifetime) + " must be at least " + CA_TO_LEAF + " × " + LIFETIME
                    + " (" + Durations.format(lifetime) + "), i.e. ≥ " + Durations.format(lifetime.multipliedBy(CA_TO_LEAF))
                    + ": the CA rotates when a third of its life is left, and a leaf it issued just before must"
                    + " live out its lifetime in that third");
        }
        boolean fractionOk = renewBeforeFraction > 0.0 && renewBeforeFraction < 1.0;
        if (!fractionOk) {
            p.add(FRACTION + "=" + renewBeforeFraction + " must lie strictly between 0 and 1 (the share of the "
                    + "lifetime left when a leaf is renewed; 0.3333333333 renews at two thirds)");
        }
        boolean renewBeforeOk = renewBefore == null
                || (!renewBefore.isNegative() && !renewBefore.isZero() && renewBefore.compareTo(lifetime) < 0);
        if (!renewBeforeOk) {
            p.add(RENEW_BEFORE + "=" + Durations.format(renewBefore) + " must be above 0 and below " + LIFETIME + " ("
                    + Durations.format(lifetime) + "), or a leaf would be due as soon as it is issued");
        }
        String window = lifetimeOk && fractionOk && renewBeforeOk ? windowRules(p) : null;
        if (maxBackoff != null) {
            atLeast(p, MAX_BACKOFF, maxBackoff, Duration.ofSeconds(1), "1s (the first retry comes after 1s)");
        }
        if (leaderElection != null) {
            leaderRules(p, window);
        }
        atLeast(p, SWEEP_INTERVAL, sweepInterval, Duration.ofSeconds(1), "1s");
        atMost(p, SWEEP_INTERVAL, sweepInterval, Duration.ofDays(1),
                "1d (the sweep repairs what a missed event left behind)");
        return List.copyOf(p);
    }

    /**
     * The rules on the renewal window, once lifetime, fraction and renew-before are sound; returns the
     * window described for the leader-election rule, or null when it is itself too short.
     */
    private String windowRules(List<String> p) {
        Duration window = windowToTheMillisecond();
        String which = renewBefore != null ? RENEW_BEFORE + "=" + Durations.format(renewBefore)
                : LIFETIME + "=" + Durations.format(lifetime) + " × " + FRACTION + "=" + renewBeforeFraction;
        String windowText = "the renewal window (" + which + " = " + Durations.format(window) + ")";
        if (window.compareTo(Duration.ofSeconds(MIN_RENEWAL_WINDOW_SECONDS)) < 0) {
            p.add((renewBefore != null ? RENEW_BEFORE : FRACTION) + ": " + windowText + " must be at least "
                    + MIN_RENEWAL_WINDOW_SECONDS + "s, the time one renewal with a few retries may need");
            return null;
        }
        if (maxBackoff != null && maxBackoff.compareTo(window) > 0) {
            p.add(MAX_BACKOFF + "=" + Durations.format(maxBackoff) + " must not exceed " + windowText
                    + ": after a failed renewal the next try must come before the certificate expires");
        }
        return windowText;
    }

    /** @param windowText the renewal window described, null when it is unsound (its own problem is reported) */
    private void leaderRules(List<String> p, String windowText) {
        LeaderElection le = leaderElection;
        int before = p.size();
        positive(p, LEASE_DURATION, le.leaseDuration());
        positive(p, RENEW_DEADLINE, le.renewDeadline());
        positive(p, RETRY_PERIOD, le.retryPeriod());
        if (p.size() > before) {
            return;
        }
        Duration minDeadline = Duration.ofMillis((long) Math.ceil(le.retryPeriod().toMillis() * RETRY_TO_RENEW_DEADLINE));
        if (le.renewDeadline().compareTo(minDeadline) <= 0) {
            p.add(RENEW_DEADLINE + "=" + Durations.format(le.renewDeadline()) + " must be above " + RETRY_TO_RENEW_DEADLINE
                    + " × " + RETRY_PERIOD + " (" + Durations.format(le.retryPeriod()) + "), i.e. > "
                    + Durations.format(minDeadline) + ": the leader needs a few tries to renew its Lease");
        }
        if (le.leaseDuration().compareTo(le.renewDeadline()) <= 0) {
            p.add(LEASE_DURATION + "=" + Durations.format(le.leaseDuration()) + " must be above " + RENEW_DEADLINE + " ("
                    + Durations.format(le.renewDeadline()) + "): a leader must give up before others may take over");
        }
        if (windowText != null && le.leaseDuration().compareTo(windowToTheMillisecond()) >= 0) {
            p.add(LEASE_DURATION + "=" + Durations.format(le.leaseDuration()) + " must be below " + windowText
                    + ": when the leader dies another replica takes over within about the lease duration, and"
                    + " a certificate due meanwhile must not expire");
        }
    }

    private static void positive(List<String> p, String setting, Duration value) {
        if (value.isNegative() || value.isZero()) {
            p.add(setting + "=" + Durations.format(value) + " must be above 0");
        }
    }

    private static void atLeast(List<String> p, String setting, Duration value, Duration min, String bound) {
        if (value.compareTo(min) < 0) {
            p.add(setting + "=" + Durations.format(value) + " must be at least " + bound);
        }
    }

    private static void atMost(List<String> p, String setting, Duration value, Duration max, String bound) {
        if (value.compareTo(max) > 0) {
            p.add(setting + "=" + Durations.format(value) + " must be at most " + bound);
        }
    }
}
