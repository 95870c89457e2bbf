package io.gatewarden.certificates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatewarden.cluster.SecretData;
import io.gatewarden.demands.IssuanceReason;
import io.gatewarden.demands.RenewalPolicy;
import io.gatewarden.diagnostics.ObjectRef;
import io.gatewarden.facts.SecretAssessment;
import io.gatewarden.pki.RenewalTiming;
import io.gatewarden.config.CertificateTimings;
import io.gatewarden.config.Settings;
import io.gatewarden.config.SettingsTest;
import io.gatewarden.demands.CredentialDemand;
import io.gatewarden.pki.CertificateAuthority;
import io.gatewarden.pki.CertificateIssuer;
import io.gatewarden.pki.IssuedCertificate;
import io.gatewarden.pki.KeyAlgorithm;
import io.gatewarden.pki.LeafRequest;
import io.gatewarden.pki.Pem;
import io.gatewarden.pki.RenewalTime;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue 18's property, over a grid of settings (lifetimes 60 s … 10 years, fractions, renew-before): start-up
 * either refuses, naming the setting, or the settings run — simulated with a fake clock over 2.5 CA lifetimes
 * with the real CaStore, RenewalPolicy and CertificateIssuer, waking at the times the manager wakes at (the
 * CA's {@code nextAttempt}, the leaf's renewal time) — and then: every CA write at least a third of the CA
 * lifetime after the previous one and no later than its due time, the rate guard never needed, previous.crt
 * bounded, no leaf outliving its CA, every leaf valid and verifying against its own ca.crt whenever looked at,
 * and re-issued under each new CA at once.
 */
class CaRotationPropertyTest {
    static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    static final CredentialDemand DEMAND = new CredentialDemand("istio-system", "shop-tls", List.of("shop.example.com"),
            false, CredentialDemand.Purpose.SERVER, List.of(ObjectRef.parse("Gateway/shop/web", "networking.istio.io")), null);
    static final List<String> LIFETIMES = List.of("60s", "90s", "10m", "1d", "90d", "365d", "3650d");
    static final List<String> CA_LIFETIMES = List.of("60s", "180s", "270s", "1h", "1d", "90d", "365d", "3650d");
    static final List<String> FRACTIONS = List.of("0.1", "0.3333333333", "0.9");
    static final List<String> RENEW_BEFORE = List.of("", "15s", "1d");

    @Test
    void everySettingEitherRefusesNamingItOrRunsWithoutAStorm() {
        int refused = 0;
        int ran = 0;
        List<String> failures = new ArrayList<>();
        for (String lifetime : LIFETIMES) {
            for (String caLifetime : CA_LIFETIMES) {
                for (String fraction : FRACTIONS) {
                    for (String renewBefore : RENEW_BEFORE) {
                        Map<String, String> settings = new LinkedHashMap<>();
                        settings.put(CertificateTimings.LIFETIME, lifetime);
                        settings.put(CertificateTimings.CA_LIFETIME, caLifetime);
                        settings.put(CertificateTimings.FRACTION, fraction);
                        if (!renewBefore.isEmpty()) {
                            settings.put(CertificateTimings.RENEW_BEFORE, renewBefore);
                        }
                        List<String> problems = Settings.problems(SettingsTest.config(settings));
                        try {
                            if (problems.isEmpty()) {
                                run(Settings.certificateTimings(SettingsTest.config(settings)));
                                ran++;
                            } else {
                                refusedNamingTheSetting(settings, problems);
                                refused++;
                            }
                        } catch (AssertionError e) {
                            failures.add(settings + ": " + e.getMessage());
                        }
                    }
                }
            }
        }
        System.out.printf("[CaRotationPropertyTest] %d settings refused, %d ran%n", refused, ran);
        assertEquals(List.of(), failures);
        assertTrue(ran >= 40 && refused >= 40, "both outcomes well covered: ran " + ran + ", refused " + refused);
    }

    /** Every problem names a setting; a CA shorter than three leaf lifetimes is always among them. */
    static void refusedNamingTheSetting(Map<String, String> settings, List<String> problems) {
        for (String p : problems) {
            assertTrue(p.startsWith("gatewarden.certificates."), p);
        }
        Duration leaf = io.gatewarden.config.Durations.parse(settings.get(CertificateTimings.LIFETIME));
        Duration ca = io.gatewarden.config.Durations.parse(settings.get(CertificateTimings.CA_LIFETIME));
        if (ca.compareTo(leaf.multipliedBy(3)) < 0) {
            assertTrue(problems.stream().anyMatch(p -> p.startsWith(CertificateTimings.CA_LIFETIME + "=")), problems::toString);
        }
    }

    /** The manager's passes for one leaf and the CA, at the moments it would wake, with time skipped between CA events. */
    static void run(CertificateTimings t) {
        FakeClock clock = new FakeClock(T0);
        InMemoryCaSecret caSecret = new InMemoryCaSecret();
        CaStoreTest.Recorder listener = new CaStoreTest.Recorder();
        Backoff backoff = new Backoff();
        backoff.max = t.backoffLimit();
        CaStore store = new CaStore(caSecret, "gatewarden", "gatewarden-ca", t.caLifetime(), clock, backoff, listener);
        RenewalPolicy policy = new RenewalPolicy(new RenewalTiming(t.renewBeforeFraction(), t.renewBefore()));
        CertificateIssuer issuer = new CertificateIssuer();
        Instant horizon = T0.plus(t.caLifetime().multipliedBy(5).dividedBy(2));
        Map<String, X509Certificate> cas = new HashMap<>();
        SecretData leaf = null;
        String lastIssuer = null;
        boolean skipped = false;
        for (int pass = 0; clock.instant().isBefore(horizon); pass++) {
            assertTrue(pass < 10_000, "too many passes");
            Instant now = clock.instant();
            if (leaf != null && !skipped) {
                invariants(leaf, cas, now, "before the pass at " + now);
            }
            CertificateAuthority ca = store.refresh(caSecret.stored(), true).orElseThrow();
            cas.put(ca.fingerprint(), ca.certificate());
            Optional<IssuanceReason> why = policy.judge(Optional.ofNullable(leaf).map(SecretAssessment::of), DEMAND,
                    ca.fingerprint(), now).reason();
            if (lastIssuer != null && !lastIssuer.equals(ca.fingerprint())) {
                assertEquals(Optional.of(IssuanceReason.ISSUER_CHANGED), why, "a new CA re-issues the leaf at once");
            }
            if (why.isPresent()) {
                IssuedCertificate issued = issuer.issue(new LeafRequest(DEMAND.dnsNames(), KeyAlgorithm.EC_P256,
                        t.lifetime(), false, true), ca, clock);
                leaf = new SecretData(DEMAND.namespace(), DEMAND.secretName(), ManagedSecret.TYPE, ManagedSecret.labels(),
                        ManagedSecret.annotations(DEMAND, issued, ca.fingerprint()),
                        ManagedSecret.data(issued, ca.trustBundle(now), true));
                lastIssuer = ca.fingerprint();
            }
            invariants(leaf, cas, now, "after the pass at " + now);
            bundleBounded(caSecret.current);

            X509Certificate leafCert = certificate(leaf, ManagedSecret.TLS_CRT);
            Instant leafDue = policy.timing().renewalTime(leafCert.getNotBefore().toInstant(), leafCert.getNotAfter().toInstant());
            Instant caDue = store.nextAttempt().orElseThrow();
            Instant next = leafDue.isBefore(caDue) ? leafDue : caDue;
            assertTrue(next.isAfter(now), "the next wake-up " + next + " lies ahead of " + now + ": no busy loop");
            // Runs of identical leaf renewals far from any CA event are skipped: the leaf is renewed as it would
            // be a lifetime before the CA event, so the leaf alive at the rotation comes from a simulated pass.
            Instant resume = caDue.minus(t.lifetime());
            resume = resume.isAfter(horizon) ? horizon : resume;
            skipped = leafDue.isBefore(resume);
            if (skipped) {
                leaf = null;
                lastIssuer = null;
                next = resume;
            }
            clock.set(next);
        }
        List<Instant> writes = caSecret.written.stream().map(s -> RenewalTime.issuedAt(certificate(s, "tls.crt"))).toList();
        Duration third = t.caLifetime().dividedBy(3);
        for (int i = 1; i < writes.size(); i++) {
            Duration gap = Duration.between(writes.get(i - 1), writes.get(i));
            assertTrue(gap.compareTo(third) >= 0, "CA write " + i + " only " + gap + " after the previous one");
            assertTrue(gap.compareTo(third.multipliedBy(2).plusSeconds(1)) <= 0, "CA write " + i + " late: " + gap);
        }
        assertEquals(4, writes.size(), "created, then rotated at 2/3, 4/3 and 6/3 of the lifetime: " + writes);
        assertEquals(List.of(), listener.refused, "the guard is never needed with accepted settings");
    }

    static void invariants(SecretData leaf, Map<String, X509Certificate> cas, Instant now, String when) {
        X509Certificate cert = certificate(leaf, ManagedSecret.TLS_CRT);
        X509Certificate issuer = cas.get(leaf.annotations().get(ManagedSecret.ISSUER_ANNOTATION));
        assertTrue(!now.isBefore(cert.getNotBefore().toInstant()) && now.isBefore(cert.getNotAfter().toInstant()),
                when + ": leaf not valid (" + cert.getNotBefore() + " .. " + cert.getNotAfter() + ")");
        assertTrue(!cert.getNotAfter().after(issuer.getNotAfter()), when + ": leaf outlives its CA");
        try {
            X509Certificate own = Pem.certificates(leaf.value(ManagedSecret.CA_CRT)).get(0);
            cert.verify(own.getPublicKey());
            assertEquals(issuer, own, when + ": ca.crt starts with the issuing CA");
        } catch (java.security.GeneralSecurityException | io.gatewarden.pki.PemException e) {
            throw new AssertionError(when + ": leaf does not verify against its ca.crt: " + e);
        }
    }

    static void bundleBounded(SecretData ca) {
        byte[] previous = ca.value(CaStore.PREVIOUS_CRT);
        if (previous != null) {
            assertTrue(previous.length <= CertificateAuthority.MAX_PREVIOUS_PEM_BYTES, "previous.crt " + previous.length);
            assertTrue(certificates(previous).size() <= CertificateAuthority.MAX_PREVIOUS);
        }
    }

    static X509Certificate certificate(SecretData s, String key) {
        return certificates(s.value(key)).get(0);
    }

    static List<X509Certificate> certificates(byte[] pem) {
        try {
            return Pem.certificates(pem);
        } catch (io.gatewarden.pki.PemException e) {
            throw new AssertionError(e);
        }
    }
}
