package io.gatewarden.config;

import io.gatewarden.pki.KeyAlgorithm;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Checks the settings as a whole and turns the certificate ones into plain values (see {@link CertificateTimings}). */
public final class Settings {
    private Settings() {
    }

    /** The certificate timings of a configuration that passed {@link #problems}. */
    public static CertificateTimings certificateTimings(GatewardenConfig config) {
        List<String> problems = new ArrayList<>();
        CertificateTimings timings = certificateTimings(config, problems);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return timings;
    }

    /**
     * Everything wrong with the settings, one line each, naming the setting, the value and the bound:
     * durations that do not parse, an unknown key algorithm, and the {@link CertificateTimings} rules.
     * Empty when the service may start.
     */
    public static List<String> problems(GatewardenConfig config) {
        List<String> problems = new ArrayList<>();
        GatewardenConfig.Certificates c = config.certificates();
        duration(problems, CertificateTimings.PREFIX + "expiry-warning", c.expiryWarning());
        try {
            KeyAlgorithm.parse(c.keyAlgorithm());
        } catch (IllegalArgumentException e) {
            problems.add(CertificateTimings.PREFIX + "key-algorithm: " + e.getMessage());
        }
        CertificateTimings timings = certificateTimings(config, problems);
        if (timings != null) {
            problems.addAll(timings.problems());
        }
        return List.copyOf(problems);
    }

    /** The timings, or null with a problem added for each duration that does not parse. */
    private static CertificateTimings certificateTimings(GatewardenConfig config, List<String> problems) {
        GatewardenConfig.Certificates c = config.certificates();
        GatewardenConfig.LeaderElection le = c.leaderElection();
        int before = problems.size();
        Duration lifetime = duration(problems, CertificateTimings.LIFETIME, c.lifetime());
        Duration renewBefore = c.renewBefore().map(v -> duration(problems, CertificateTimings.RENEW_BEFORE, v)).orElse(null);
        Duration caLifetime = duration(problems, CertificateTimings.CA_LIFETIME, c.caLifetime());
        Duration sweep = duration(problems, CertificateTimings.SWEEP_INTERVAL, c.sweepInterval());
        Duration maxBackoff = c.maxBackoff().map(v -> duration(problems, CertificateTimings.MAX_BACKOFF, v)).orElse(null);
        CertificateTimings.LeaderElection election = null;
        if (le.enabled()) {
            election = new CertificateTimings.LeaderElection(
                    duration(problems, CertificateTimings.LEASE_DURATION, le.leaseDuration()),
                    duration(problems, CertificateTimings.RENEW_DEADLINE, le.renewDeadline()),
                    duration(problems, CertificateTimings.RETRY_PERIOD, le.retryPeriod()));
        }
        return problems.size() > before ? null : new CertificateTimings(lifetime, c.renewBeforeFraction(), renewBefore,
                caLifetime, sweep, maxBackoff, election);
    }

    private static Duration duration(List<String> problems, String setting, String value) {
        try {
            return Durations.parse(value);
        } catch (RuntimeException e) {
            problems.add(setting + "=" + value + " is not a duration: write e.g. 90s, 15m, 12h, 14d or ISO-8601 (PT1H30M)");
            return null;
        }
    }
}
