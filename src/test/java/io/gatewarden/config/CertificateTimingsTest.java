package io.gatewarden.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The settings rules, each from the settings as a user writes them, each answer naming the setting and the bound. */
class CertificateTimingsTest {

    /** The process-level tests' leader-election timings, which the shortest lifetimes need. */
    static final Map<String, String> FAST_ELECTION = Map.of(
            CertificateTimings.LEASE_DURATION, "6s", CertificateTimings.RENEW_DEADLINE, "4s",
            CertificateTimings.RETRY_PERIOD, "1s");

    static List<String> problems(Map<String, String> settings) {
        return Settings.problems(SettingsTest.config(settings));
    }

    static List<String> problems(String... keyValues) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return problems(m);
    }

    /** Exactly one problem, about {@code setting}, containing each of {@code parts}. */
    static void refused(List<String> problems, String setting, String... parts) {
        assertEquals(1, problems.size(), problems.toString());
        String p = problems.get(0);
        assertTrue(p.startsWith(setting + "=") || p.startsWith(setting + ":"), p);
        for (String part : parts) {
            assertTrue(p.contains(part), "'" + part + "' missing in: " + p);
        }
    }

    @Test
    void theDefaultsRun() {
        assertEquals(List.of(), problems(Map.of()));
        CertificateTimings t = Settings.certificateTimings(SettingsTest.config(Map.of()));
        assertEquals(Duration.ofMinutes(5), t.backoffLimit());
        assertEquals(Duration.ofDays(30), t.renewalWindow().plusMillis(1).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    }

    @Test
    void theReportedStormIsRefusedNamingTheCaLifetime() {
        refused(problems(CertificateTimings.CA_LIFETIME, "180s", CertificateTimings.LIFETIME, "90s"),
                CertificateTimings.CA_LIFETIME, "180s", "3 × " + CertificateTimings.LIFETIME + " (90s)", "≥ 270s");
        assertEquals(List.of(), problems(CertificateTimings.CA_LIFETIME, "270s", CertificateTimings.LIFETIME, "90s"));
    }

    @Test
    void theShortestLifetimesAcceptedNeedFastLeaderElection() {
        Map<String, String> shortest = new HashMap<>(FAST_ELECTION);
        shortest.put(CertificateTimings.LIFETIME, "30s");
        shortest.put(CertificateTimings.CA_LIFETIME, "90s");
        assertEquals(List.of(), problems(shortest));
        shortest.put(CertificateTimings.CA_LIFETIME, "89s");
        refused(problems(shortest), CertificateTimings.CA_LIFETIME, "≥ 90s");
        shortest.put(CertificateTimings.CA_LIFETIME, "90s");
        shortest.put(CertificateTimings.LIFETIME, "29s");
        refused(problems(shortest), CertificateTimings.LIFETIME, "at least 30s");
        // With the default 15 s lease, a 10 s window is too short for a takeover.
        refused(problems(CertificateTimings.LIFETIME, "30s", CertificateTimings.CA_LIFETIME, "90s"),
                CertificateTimings.LEASE_DURATION, "15s", "below the renewal window", "= 10s");
        assertEquals(List.of(), problems(CertificateTimings.LIFETIME, "30s", CertificateTimings.CA_LIFETIME, "90s",
                "gatewarden.certificates.leader-election.enabled", "false"));
    }

    @Test
    void fractionMustLieStrictlyBetweenZeroAndOne() {
        for (String f : List.of("0", "1", "1.5", "-0.2")) {
            refused(problems(CertificateTimings.FRACTION, f), CertificateTimings.FRACTION, "strictly between 0 and 1");
        }
        assertEquals(List.of(), problems(CertificateTimings.FRACTION, "0.9"));
    }

    @Test
    void renewBeforeBelowTheLifetimeAndTheWindowAboveTenSeconds() {
        refused(problems(CertificateTimings.RENEW_BEFORE, "90d"), CertificateTimings.RENEW_BEFORE,
                "below " + CertificateTimings.LIFETIME + " (90d)");
        refused(problems(CertificateTimings.RENEW_BEFORE, "0s"), CertificateTimings.RENEW_BEFORE, "above 0");
        refused(problems(CertificateTimings.RENEW_BEFORE, "5s"), CertificateTimings.RENEW_BEFORE, "at least 10s");
        refused(problems(CertificateTimings.LIFETIME, "60s", CertificateTimings.FRACTION, "0.1"),
                CertificateTimings.FRACTION, "60s × " + CertificateTimings.FRACTION + "=0.1 = 6s", "at least 10s");
        assertEquals(List.of(), problems(CertificateTimings.RENEW_BEFORE, "30d"));
    }

    @Test
    void maxBackoffWithinTheRenewalWindowAndUnsetFollowsIt() {
        refused(problems(CertificateTimings.LIFETIME, "60s", CertificateTimings.CA_LIFETIME, "1h",
                CertificateTimings.MAX_BACKOFF, "5m"), CertificateTimings.MAX_BACKOFF, "must not exceed", "= 20s");
        refused(problems(CertificateTimings.MAX_BACKOFF, "500ms".replace("500ms", "PT0.5S")),
                CertificateTimings.MAX_BACKOFF, "at least 1s");
        CertificateTimings t = Settings.certificateTimings(SettingsTest.config(Map.of(CertificateTimings.LIFETIME, "60s",
                CertificateTimings.CA_LIFETIME, "1h")));
        assertEquals(Duration.ofSeconds(20), t.backoffLimit().plusMillis(1).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    }

    @Test
    void leaderElectionTimingsHangTogether() {
        refused(problems(CertificateTimings.LEASE_DURATION, "10s"), CertificateTimings.LEASE_DURATION,
                "above " + CertificateTimings.RENEW_DEADLINE + " (10s)");
        refused(problems(CertificateTimings.RETRY_PERIOD, "5s"), CertificateTimings.RENEW_DEADLINE, "> 11s");
        refused(problems(CertificateTimings.RETRY_PERIOD, "0s"), CertificateTimings.RETRY_PERIOD, "above 0");
    }

    @Test
    void sweepIntervalBetweenASecondAndADay() {
        refused(problems(CertificateTimings.SWEEP_INTERVAL, "PT0.2S"), CertificateTimings.SWEEP_INTERVAL, "at least 1s");
        refused(problems(CertificateTimings.SWEEP_INTERVAL, "2d"), CertificateTimings.SWEEP_INTERVAL, "at most 1d");
    }

    @Test
    void lifetimesAtMostACentury() {
        refused(problems(CertificateTimings.CA_LIFETIME, "36501d"), CertificateTimings.CA_LIFETIME, "100 years");
    }

    @Test
    void unparsableValuesAreNamedAndNothingElseIsJudgedOnThem() {
        List<String> p = problems(CertificateTimings.LIFETIME, "ninety days", "gatewarden.certificates.expiry-warning", "2w",
                "gatewarden.certificates.key-algorithm", "dsa-1024");
        assertEquals(3, p.size(), p.toString());
        assertTrue(p.get(0).startsWith("gatewarden.certificates.expiry-warning=2w is not a duration"), p.get(0));
        assertTrue(p.get(1).startsWith("gatewarden.certificates.key-algorithm: unknown key algorithm \"dsa-1024\""), p.get(1));
        assertTrue(p.get(2).startsWith(CertificateTimings.LIFETIME + "=ninety days is not a duration: write e.g. 90s"),
                p.get(2));
    }

    @Test
    void theStartUpMessageListsEveryProblemOneALine() {
        List<String> p = problems(CertificateTimings.CA_LIFETIME, "180s", CertificateTimings.LIFETIME, "90s",
                CertificateTimings.SWEEP_INTERVAL, "0s");
        String m = SettingsCheck.message(p);
        assertTrue(m.startsWith("Gatewarden cannot start: "), m);
        assertEquals(p.size() + 1, m.lines().count(), m);
    }

    @Test
    void durationsAreShownAsSettingsAreWritten() {
        assertEquals("270s", Durations.format(Duration.ofSeconds(270)));
        assertEquals("90d", Durations.format(Duration.ofDays(90)));
        assertEquals("12h", Durations.format(Duration.ofHours(12)));
        assertEquals("30s", Durations.format(Duration.ofNanos(29_999_999_997L)));
        assertEquals("0.5s", Durations.format(Duration.ofMillis(500)));
    }
}
