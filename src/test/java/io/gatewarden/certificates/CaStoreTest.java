package io.gatewarden.certificates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatewarden.cluster.SecretData;
import io.gatewarden.pki.CertificateAuthority;
import io.gatewarden.pki.KeyAlgorithm;
import io.gatewarden.pki.Pem;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The CA store with a fake clock and an in-memory Secret: creation, rotation time, the rate guard, failures. */
class CaStoreTest {
    static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    static final Duration LIFETIME = Duration.ofSeconds(90);

    final FakeClock clock = new FakeClock(T0);
    final InMemoryCaSecret secret = new InMemoryCaSecret();
    final Recorder listener = new Recorder();
    final Backoff backoff = new Backoff();

    /** What the store told its listener. */
    static final class Recorder implements CaStore.Listener {
        final List<String> written = new ArrayList<>();
        final List<String> refused = new ArrayList<>();
        final List<String> unavailable = new ArrayList<>();
        Boolean available;

        @Override
        public void written(boolean created, CertificateAuthority ca) {
            written.add((created ? "created " : "rotated ") + ca.fingerprint());
        }

        @Override
        public void refused(String message) {
            refused.add(message);
        }

        @Override
        public void unavailable(String message) {
            unavailable.add(message);
        }

        @Override
        public void available(boolean available) {
            this.available = available;
        }
    }

    CaStore store(Duration lifetime) {
        return new CaStore(secret, "gatewarden", "gatewarden-ca", lifetime, clock, backoff, listener);
    }

    Optional<CertificateAuthority> refreshAt(CaStore store, Instant at) {
        clock.set(at);
        return store.refresh(secret.stored(), true);
    }

    @Test
    void createdWhenAbsentAndUsedAtOnce() {
        CaStore store = store(LIFETIME);
        CertificateAuthority ca = store.refresh(Optional.empty(), true).orElseThrow();
        assertEquals(1, secret.written.size());
        assertEquals(List.of("created " + ca.fingerprint()), listener.written);
        assertEquals(Optional.empty(), store.problem());
        assertEquals("loaded", store.status());
        assertEquals(true, listener.available);
        assertEquals(T0, ca.certificate().getNotBefore().toInstant().plus(Duration.ofHours(1)));
    }

    @Test
    void aFollowerWaitsForTheLeaderAndWritesNothing() {
        CaStore store = store(LIFETIME);
        assertEquals(Optional.empty(), store.refresh(Optional.empty(), false));
        assertEquals(0, secret.reads);
        assertTrue(store.problem().orElseThrow().contains("does not exist yet (the leader creates it)"));
        assertEquals(false, listener.available);
    }

    @Test
    void aNinetySecondCaRotatesAtSecondSixtyNotAtBirth() throws Exception {
        CaStore store = store(LIFETIME);
        CertificateAuthority first = refreshAt(store, T0).orElseThrow();
        assertEquals(Optional.of(T0.plusSeconds(60)), store.nextAttempt(), "the CA's due time wakes the manager");
        for (int s = 1; s < 60; s += 7) {
            assertEquals(first.fingerprint(), refreshAt(store, T0.plusSeconds(s)).orElseThrow().fingerprint());
        }
        assertEquals(1, secret.written.size(), "not due before two thirds of its life");
        CertificateAuthority second = refreshAt(store, T0.plusSeconds(60)).orElseThrow();
        assertNotEquals(first.fingerprint(), second.fingerprint());
        assertEquals(2, secret.written.size());
        assertEquals(List.of(first.certificate()), second.previous(), "the old CA stays trusted");
        assertEquals(List.of(first.certificate()), previousCrt(secret.current));
        assertEquals(Optional.of(T0.plusSeconds(120)), store.nextAttempt());
    }

    @Test
    void theInformerLaggingBehindOurOwnRotationIsNoStorm() {
        CaStore store = store(LIFETIME);
        refreshAt(store, T0);
        SecretData old = secret.current;
        CertificateAuthority rotated = refreshAt(store, T0.plusSeconds(60)).orElseThrow();
        clock.set(T0.plusSeconds(61));
        assertEquals(rotated.fingerprint(), store.refresh(Optional.of(old), true).orElseThrow().fingerprint(),
                "the informer still shows the old CA");
        assertEquals(2, secret.written.size());
        assertEquals(List.of(), listener.refused);
    }

    @Test
    void anotherWriterRestoringTheOldCaTripsTheGuardOncePerThirdOfTheLifetime() {
        CaStore store = store(LIFETIME);
        refreshAt(store, T0);
        SecretData old = secret.current;
        refreshAt(store, T0.plusSeconds(60));
        secret.current = old; // e.g. a GitOps tool puts its copy back: due for rotation again
        CertificateAuthority inUse = refreshAt(store, T0.plusSeconds(65)).orElseThrow();
        assertEquals(2, secret.written.size(), "refused: written 5 s after the last write");
        assertEquals(1, listener.refused.size());
        String message = listener.refused.get(0);
        assertTrue(message.startsWith("CA rotation storm stopped: CA secret gatewarden/gatewarden-ca is due for "
                + "rotation again 5s after this replica wrote it"), message);
        assertTrue(message.contains("not writing it before " + T0.plusSeconds(90)), message);
        assertEquals(CaStoreTest.fingerprint(old), inUse.fingerprint(), "issues with the CA in the secret meanwhile");
        assertTrue(store.status().startsWith("loaded; rotation refused by the rate guard until"), store.status());
        assertEquals(Optional.of(T0.plusSeconds(90)), store.nextAttempt(), "no busy loop: next look when the guard opens");
        int reads = secret.reads;
        for (int s = 66; s < 90; s += 3) {
            refreshAt(store, T0.plusSeconds(s));
        }
        assertEquals(reads, secret.reads, "while refused, not even a read for writing");
        assertEquals(1, listener.refused.size(), "one ERROR and Event per episode");
        refreshAt(store, T0.plusSeconds(90));
        assertEquals(3, secret.written.size(), "a third of the lifetime later the rotation may happen");
        assertEquals("loaded", store.status());
    }

    @Test
    void aDeletedCaIsCreatedAgainAfterAMinuteAtMost() {
        CaStore store = store(Duration.ofDays(3650));
        refreshAt(store, T0);
        secret.current = null;
        assertEquals(Optional.empty(), refreshAt(store, T0.plusSeconds(10)));
        assertEquals(1, listener.refused.size());
        assertTrue(listener.refused.get(0).contains("is missing again 10s after this replica wrote it"));
        refreshAt(store, T0.plusSeconds(59));
        assertEquals(1, secret.written.size());
        assertTrue(refreshAt(store, T0.plusSeconds(60)).isPresent());
        assertEquals(2, secret.written.size());
        assertEquals(List.of("created", "created"), listener.written.stream().map(w -> w.split(" ")[0]).toList());
    }

    @Test
    void aFailedRotationKeepsTheCaAndBacksOff() {
        CaStore store = store(LIFETIME);
        CertificateAuthority first = refreshAt(store, T0).orElseThrow();
        secret.failure = new IllegalStateException("etcdserver: request timed out");
        assertEquals(first.fingerprint(), refreshAt(store, T0.plusSeconds(60)).orElseThrow().fingerprint(),
                "still issuing with the due CA");
        assertEquals(Optional.of(T0.plusSeconds(61)), store.nextAttempt(), "retried after the back-off, not at once");
        int reads = secret.reads;
        refreshAt(store, T0.plusMillis(60_500));
        assertEquals(reads, secret.reads, "not before the back-off");
        secret.failure = null;
        assertNotEquals(first.fingerprint(), refreshAt(store, T0.plusSeconds(61)).orElseThrow().fingerprint());
        assertEquals(Optional.of(T0.plusSeconds(121)), store.nextAttempt());
    }

    @Test
    void noUsableCaIsWarnedAfterThirtySecondsAndEveryTenMinutes() {
        CaStore store = store(LIFETIME);
        clock.set(T0);
        store.refresh(Optional.empty(), false);
        clock.set(T0.plusSeconds(29));
        store.refresh(Optional.empty(), false);
        assertEquals(List.of(), listener.unavailable);
        clock.set(T0.plusSeconds(30));
        store.refresh(Optional.empty(), false);
        assertEquals(1, listener.unavailable.size());
        assertTrue(listener.unavailable.get(0).startsWith("no usable issuing CA for 30s: CA secret "
                + "gatewarden/gatewarden-ca does not exist yet (the leader creates it)"), listener.unavailable.get(0));
        assertTrue(listener.unavailable.get(0).endsWith("(admission is not affected)"));
        clock.set(T0.plusSeconds(600));
        store.refresh(Optional.empty(), false);
        assertEquals(1, listener.unavailable.size());
        clock.set(T0.plusSeconds(630));
        store.refresh(Optional.empty(), false);
        assertEquals(2, listener.unavailable.size());
        assertEquals(false, listener.available);
        refreshAt(store, T0.plusSeconds(640));
        assertEquals(true, listener.available);
    }

    @Test
    void aUserSuppliedCaIsOnlyReadEvenWhenDue() {
        CertificateAuthority user = CertificateAuthority.create("Corp CA", KeyAlgorithm.EC_P256, LIFETIME, clock);
        secret.current = new SecretData("gatewarden", "gatewarden-ca", "kubernetes.io/tls", Map.of(), Map.of(),
                Map.of("tls.crt", ascii(Pem.encode(user.certificate())), "tls.key", ascii(Pem.encode(user.key()))));
        CaStore store = store(LIFETIME);
        assertEquals(user.fingerprint(), refreshAt(store, T0.plusSeconds(80)).orElseThrow().fingerprint());
        assertEquals(0, secret.reads);
        assertEquals(Optional.empty(), store.nextAttempt());
    }

    @Test
    void anUnusableManagedCaIsReportedNotOverwritten() {
        secret.current = new SecretData("gatewarden", "gatewarden-ca", "kubernetes.io/tls", ManagedSecret.labels(),
                Map.of(), Map.of("tls.crt", ascii("garbage"), "tls.key", ascii("garbage")));
        CaStore store = store(LIFETIME);
        assertEquals(Optional.empty(), refreshAt(store, T0));
        assertTrue(store.problem().orElseThrow().startsWith("CA secret gatewarden/gatewarden-ca is unusable: CA certificate"),
                store.problem().orElseThrow());
        assertEquals(0, secret.written.size());
        assertFalse(store.status().startsWith("loaded"));
    }

    @Test
    void theGuardOpensAThirdOfALifetimeAfterTheStoredCaWasIssuedAndAfterOurLastWrite() {
        CertificateAuthority stored = CertificateAuthority.create("CA", KeyAlgorithm.EC_P256, LIFETIME, clock);
        // From the certificate alone, so a restarted or new replica keeps the bound.
        assertEquals(T0.plusSeconds(30), CaRotationGuard.openAt(stored, null, LIFETIME));
        assertEquals(T0.plusSeconds(30), CaRotationGuard.openAt(stored, null, Duration.ofDays(3650)));
        assertEquals(T0.plusSeconds(40), CaRotationGuard.openAt(stored, T0.plusSeconds(10), LIFETIME));
        assertEquals(T0.plus(Duration.ofDays(3650).dividedBy(3)), CaRotationGuard.openAt(stored, T0, Duration.ofDays(3650)));
        // Nothing stored: created again after the floor, or the third when shorter.
        assertEquals(T0.plusSeconds(60), CaRotationGuard.openAt(null, T0, Duration.ofDays(3650)));
        assertEquals(T0.plusSeconds(30), CaRotationGuard.openAt(null, T0, LIFETIME));
        assertEquals(Instant.MIN, CaRotationGuard.openAt(null, null, LIFETIME));
    }

    static List<X509Certificate> previousCrt(SecretData s) throws io.gatewarden.pki.PemException {
        return Pem.certificates(s.value(CaStore.PREVIOUS_CRT));
    }

    static String fingerprint(SecretData s) {
        return CertificateAuthority.load(s.value("tls.crt"), s.value("tls.key")).fingerprint();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
