package io.gatewarden.demands;

import static io.gatewarden.demands.IssuanceReason.CA_MISSING;
import static io.gatewarden.demands.IssuanceReason.DATA_MISSING;
import static io.gatewarden.demands.IssuanceReason.DNS_NAMES_CHANGED;
import static io.gatewarden.demands.IssuanceReason.EXPIRED;
import static io.gatewarden.demands.IssuanceReason.ISSUER_CHANGED;
import static io.gatewarden.demands.IssuanceReason.KEY_MISMATCH;
import static io.gatewarden.demands.IssuanceReason.RENEWAL_WINDOW;
import static io.gatewarden.demands.IssuanceReason.SECRET_MISSING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatewarden.certificates.ManagedSecret;
import io.gatewarden.cluster.SecretData;
import io.gatewarden.cluster.StaticClusterView;
import io.gatewarden.facts.SecretAssessment;
import io.gatewarden.facts.SecretAssessments;
import io.gatewarden.pki.RenewalTiming;
import io.gatewarden.diagnostics.ObjectRef;
import io.gatewarden.pki.CertificateAuthority;
import io.gatewarden.pki.CertificateIssuer;
import io.gatewarden.pki.IssuedCertificate;
import io.gatewarden.pki.KeyAlgorithm;
import io.gatewarden.pki.LeafRequest;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RenewalPolicyTest {

    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);
    private static final CertificateIssuer ISSUER = new CertificateIssuer();
    private static final CertificateAuthority CA =
            CertificateAuthority.create("Gatewarden Test CA", KeyAlgorithm.EC_P256, Duration.ofDays(3650), CLOCK);
    private static final String FP = CA.fingerprint();
    private static final List<String> NAMES = List.of("shop.example.com", "*.api.example.com");
    private static final CredentialDemand DEMAND = demand(NAMES, false);
    private static final IssuedCertificate ISSUED = issue(NAMES, Duration.ofDays(90));

    private static final SecretAssessments ASSESSMENTS =
            new StaticClusterView(List.of()).derived().get(SecretAssessments.DERIVATION);
    private final RenewalPolicy policy = RenewalPolicy.defaults();

    // ---- the fresh secret ----

    @Test
    void aFreshValidSecretNeedsNothing() {
        assertEquals(Optional.empty(), check(secret(ISSUED, DEMAND), DEMAND, T0));
        assertEquals(Optional.empty(), check(secret(ISSUED, DEMAND), DEMAND, at(Duration.ofDays(59))));
        CredentialDemand mutual = demand(NAMES, true);
        assertEquals(Optional.empty(), check(secret(ISSUED, mutual), mutual, T0));
    }

    // ---- each reason on its own fixture ----

    @Test
    void secretMissing() {
        assertEquals(Optional.of(SECRET_MISSING), policy.judge(Optional.empty(), DEMAND, FP, T0).reason());
    }

    @Test
    void dataMissingWhenAbsentEmptyOrUnparsable() {
        SecretData good = secret(ISSUED, DEMAND);
        assertEquals(Optional.of(DATA_MISSING), check(without(good, ManagedSecret.TLS_CRT), DEMAND, T0));
        assertEquals(Optional.of(DATA_MISSING), check(without(good, ManagedSecret.TLS_KEY), DEMAND, T0));
        assertEquals(Optional.of(DATA_MISSING), check(with(good, ManagedSecret.TLS_CRT, new byte[0]), DEMAND, T0));
        assertEquals(Optional.of(DATA_MISSING), check(with(good, ManagedSecret.TLS_KEY, new byte[0]), DEMAND, T0));
        assertEquals(Optional.of(DATA_MISSING), check(with(good, ManagedSecret.TLS_CRT, ascii("not a pem")), DEMAND, T0));
        assertEquals(Optional.of(DATA_MISSING), check(with(good, ManagedSecret.TLS_KEY,
                ascii("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")), DEMAND, T0));
        assertEquals(Optional.of(DATA_MISSING), check(with(good, ManagedSecret.TLS_CRT,
                ascii("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")), DEMAND, T0));
    }

    @Test
    void keyMismatch() {
        IssuedCertificate other = issue(NAMES, Duration.ofDays(90));
        SecretData swapped = with(secret(ISSUED, DEMAND), ManagedSecret.TLS_KEY, ascii(other.keyPem()));
        assertEquals(Optional.of(KEY_MISMATCH), check(swapped, DEMAND, T0));
    }

    @Test
    void dnsNamesChangedBySupersetAndBySubset() {
        SecretData secret = secret(ISSUED, DEMAND);
        CredentialDemand superset = demand(List.of("shop.example.com", "*.api.example.com", "new.example.com"), false);
        CredentialDemand subset = demand(List.of("shop.example.com"), false);
        CredentialDemand other = demand(List.of("shop.example.com", "*.web.example.com"), false);
        assertEquals(Optional.of(DNS_NAMES_CHANGED), check(secret, superset, T0));
        assertEquals(Optional.of(DNS_NAMES_CHANGED), check(secret, subset, T0));
        assertEquals(Optional.of(DNS_NAMES_CHANGED), check(secret, other, T0));
    }

    @Test
    void dnsNamesCompareAsSetsIgnoringCaseAndOrder() {
        SecretData secret = secret(ISSUED, DEMAND);
        CredentialDemand reordered = demand(List.of("*.API.example.com", "Shop.Example.com"), false);
        assertEquals(Optional.empty(), check(secret, reordered, T0));
    }

    @Test
    void caMissingForAMutualDemand() {
        CredentialDemand mutual = demand(NAMES, true);
        SecretData simple = secret(ISSUED, DEMAND); // written without ca.crt
        assertEquals(Optional.of(CA_MISSING), check(simple, mutual, T0));
        assertEquals(Optional.of(CA_MISSING), check(with(simple, ManagedSecret.CA_CRT, new byte[0]), mutual, T0));
        assertEquals(Optional.of(CA_MISSING), check(with(simple, ManagedSecret.CA_CRT, ascii("garbage")), mutual, T0));
        // A SIMPLE demand does not care.
        assertEquals(Optional.empty(), check(simple, DEMAND, T0));
    }

    @Test
    void issuerChangedWhenTheAnnotationIsAnotherCaOrMissing() {
        SecretData secret = secret(ISSUED, DEMAND);
        CertificateAuthority rotated = CA.rotate(KeyAlgorithm.EC_P256, Duration.ofDays(3650), CLOCK);
        assertEquals(Optional.of(ISSUER_CHANGED), check(secret, DEMAND, rotated.fingerprint(), T0));
        assertEquals(Optional.of(ISSUER_CHANGED), check(withoutAnnotation(secret, ManagedSecret.ISSUER_ANNOTATION),
                DEMAND, T0));
        // Hex case does not matter.
        assertEquals(Optional.empty(), check(secret, DEMAND, FP.toUpperCase(), T0));
    }

    @Test
    void expiredAtNotAfterAndBeforeNotBefore() {
        SecretData secret = secret(ISSUED, DEMAND);
        Instant notAfter = ISSUED.notAfter();
        assertEquals(Optional.of(EXPIRED), check(secret, DEMAND, notAfter));
        assertEquals(Optional.of(EXPIRED), check(secret, DEMAND, notAfter.plusSeconds(3600)));
        Instant notBefore = ISSUED.certificate().getNotBefore().toInstant();
        assertEquals(Optional.of(EXPIRED), check(secret, DEMAND, notBefore.minusSeconds(1)));
        assertEquals(Optional.empty(), check(secret, DEMAND, notBefore));
        assertEquals(Optional.of(RENEWAL_WINDOW), check(secret, DEMAND, notAfter.minusSeconds(1)));
    }

    @Test
    void renewalWindowOpensAtTwoThirdsOfTheLifetime() {
        SecretData secret = secret(ISSUED, DEMAND);
        assertEquals(Optional.empty(), check(secret, DEMAND, at(Duration.ofDays(60).minusSeconds(1))));
        assertEquals(Optional.of(RENEWAL_WINDOW), check(secret, DEMAND, at(Duration.ofDays(60))));
        assertEquals(Optional.of(RENEWAL_WINDOW), check(secret, DEMAND, Clock.offset(CLOCK, Duration.ofDays(75)).instant()));
    }

    // ---- ordering: the first check that fires wins ----

    @Test
    void missingDataWinsOverTheRenewalWindow() {
        SecretData noKey = without(secret(ISSUED, DEMAND), ManagedSecret.TLS_KEY);
        assertEquals(Optional.of(DATA_MISSING), check(noKey, DEMAND, at(Duration.ofDays(70))));
        assertEquals(Optional.of(DATA_MISSING), check(noKey, DEMAND, at(Duration.ofDays(120))));
    }

    @Test
    void everyEarlierReasonWinsOverEveryLaterOne() {
        CertificateAuthority rotated = CA.rotate(KeyAlgorithm.EC_P256, Duration.ofDays(3650), CLOCK);
        CredentialDemand mutualSuperset = demand(List.of("shop.example.com", "*.api.example.com", "x.example.com"), true);
        CredentialDemand mutual = demand(NAMES, true);
        SecretData simple = secret(ISSUED, DEMAND);
        SecretData mismatched = with(simple, ManagedSecret.TLS_KEY, ascii(issue(NAMES, Duration.ofDays(1)).keyPem()));
        Instant expired = at(Duration.ofDays(100));
        String newFp = rotated.fingerprint();

        // Everything wrong at once: key, names, CA, issuer, expiry.
        assertEquals(Optional.of(KEY_MISMATCH), check(mismatched, mutualSuperset, newFp, expired));
        // Key fixed: names changed wins.
        assertEquals(Optional.of(DNS_NAMES_CHANGED), check(simple, mutualSuperset, newFp, expired));
        // Names fixed: the missing ca.crt wins.
        assertEquals(Optional.of(CA_MISSING), check(simple, mutual, newFp, expired));
        // ca.crt present: the issuer change wins over expiry.
        assertEquals(Optional.of(ISSUER_CHANGED), check(secret(ISSUED, mutual), mutual, newFp, expired));
        // Issuer fixed: expired wins over the renewal window (both fire at day 100).
        assertEquals(Optional.of(EXPIRED), check(secret(ISSUED, mutual), mutual, FP, expired));
    }

    // ---- many at once ----

    @Test
    void checkAllGivesCheckAnswerForEachSecretInOrderWithTheRenewalTime() throws Exception {
        // Enough valid secrets for a batched key test, with one of every kind of trouble among them.
        CredentialDemand mutual = demand(NAMES, true);
        SecretData simple = secret(ISSUED, DEMAND);
        List<RenewalCheck.Subject> subjects = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            IssuedCertificate fresh = issue(NAMES, Duration.ofDays(20 + 2L * i));
            subjects.add(new RenewalCheck.Subject(secret(fresh, DEMAND), DEMAND));
        }
        subjects.add(7, new RenewalCheck.Subject(with(simple, ManagedSecret.TLS_KEY,
                ascii(issue(NAMES, Duration.ofDays(1)).keyPem())), DEMAND));                       // key mismatch
        subjects.add(12, new RenewalCheck.Subject(without(simple, ManagedSecret.TLS_KEY), DEMAND));  // data missing
        subjects.add(13, new RenewalCheck.Subject(simple, demand(List.of("other.example.com"), false))); // names
        subjects.add(14, new RenewalCheck.Subject(simple, mutual));                                  // ca.crt
        subjects.add(20, new RenewalCheck.Subject(withoutAnnotation(simple, ManagedSecret.ISSUER_ANNOTATION), DEMAND));
        Instant now = at(Duration.ofDays(25)); // fresh ones: 20-24 days expired, 26-36 renewing, 38+ fine
        List<RenewalPolicy.Verdict> verdicts = policy.judgeAll(subjects, ASSESSMENTS, FP, now);
        assertEquals(subjects.size(), verdicts.size());
        for (int i = 0; i < subjects.size(); i++) {
            RenewalCheck.Subject s = subjects.get(i);
            RenewalPolicy.Verdict v = verdicts.get(i);
            assertEquals(check(s.secret(), s.demand(), FP, now), v.reason(), "secret " + i);
            Instant renewAt = v.reason().isPresent() ? null : renewalTime(RenewalTiming.defaults(), 
                    io.gatewarden.pki.Pem.certificates(s.secret().value(ManagedSecret.TLS_CRT)).get(0));
            assertEquals(renewAt, v.renewAt(), "secret " + i);
        }
        assertEquals(Optional.of(KEY_MISMATCH), verdicts.get(7).reason());
        assertEquals(Optional.of(DATA_MISSING), verdicts.get(12).reason());
        assertEquals(Optional.of(DNS_NAMES_CHANGED), verdicts.get(13).reason());
        assertEquals(Optional.of(CA_MISSING), verdicts.get(14).reason());
        assertEquals(Optional.of(ISSUER_CHANGED), verdicts.get(20).reason());
        assertTrue(verdicts.stream().anyMatch(v -> v.reason().isEmpty()), "some are fine");
        assertTrue(verdicts.stream().anyMatch(v -> v.reason().equals(Optional.of(RENEWAL_WINDOW))), "some renew");
        assertTrue(verdicts.stream().anyMatch(v -> v.reason().equals(Optional.of(EXPIRED))), "some expired");
    }

    @Test
    void theOfflineCheckAsksInBulkWithTheSameAnswers() {
        SecretData simple = secret(ISSUED, DEMAND);
        SecretData mismatched = with(simple, ManagedSecret.TLS_KEY, ascii(issue(NAMES, Duration.ofDays(1)).keyPem()));
        RenewalCheck offline = policy.offline(CLOCK, ASSESSMENTS);
        List<RenewalCheck.Subject> subjects = List.of(new RenewalCheck.Subject(simple, DEMAND),
                new RenewalCheck.Subject(mismatched, DEMAND));
        assertEquals(List.of(Optional.empty(), Optional.of(KEY_MISMATCH)), offline.reasons(subjects));
        assertEquals(List.of(Optional.of(KEY_MISMATCH)), offline.reasons(List.of(new RenewalCheck.Subject(mismatched, DEMAND))));
    }

    // ---- renewal time ----

    @Test
    void renewalTimeOfANinetyDayCertificateIsDaySixty() {
        assertEquals(T0.plus(Duration.ofDays(60)), renewalTime(RenewalTiming.defaults(), ISSUED.certificate()));
    }

    @Test
    void renewalTimeOfANinetySecondCertificateIsSecondSixty() {
        IssuedCertificate shortLived = issue(NAMES, Duration.ofSeconds(90));
        assertEquals(T0.plusSeconds(60), renewalTime(RenewalTiming.defaults(), shortLived.certificate()));
        SecretData secret = secret(shortLived, DEMAND);
        assertEquals(Optional.empty(), check(secret, DEMAND, at(Duration.ofSeconds(59))));
        assertEquals(Optional.of(RENEWAL_WINDOW), check(secret, DEMAND, at(Duration.ofSeconds(60))));
        assertEquals(Optional.of(EXPIRED), check(secret, DEMAND, at(Duration.ofSeconds(90))));
    }

    @Test
    void absoluteRenewBeforeOverridesTheFraction() {
        RenewalTiming weekBefore = new RenewalTiming(RenewalTiming.DEFAULT_FRACTION, Duration.ofDays(7));
        assertEquals(T0.plus(Duration.ofDays(83)), renewalTime(weekBefore, ISSUED.certificate()));
        SecretData secret = secret(ISSUED, DEMAND);
        RenewalPolicy weekly = new RenewalPolicy(weekBefore);
        assertEquals(Optional.empty(), weekly.judge(Optional.of(SecretAssessment.of(secret)), DEMAND, FP,
                at(Duration.ofDays(70))).reason());
        assertEquals(Optional.of(RENEWAL_WINDOW), weekly.judge(Optional.of(SecretAssessment.of(secret)), DEMAND, FP,
                at(Duration.ofDays(83))).reason());
        // Also over an explicit fraction.
        assertEquals(T0.plus(Duration.ofDays(83)),
                renewalTime(new RenewalTiming(0.5, Duration.ofDays(7)), ISSUED.certificate()));
    }

    @Test
    void renewBeforeNotShorterThanTheLifetimeFallsBackToTheFraction() {
        IssuedCertificate shortLived = issue(NAMES, Duration.ofSeconds(90));
        assertEquals(T0.plusSeconds(60), renewalTime(new RenewalTiming(RenewalTiming.DEFAULT_FRACTION, Duration.ofDays(7)), shortLived.certificate()));
        assertEquals(T0.plusSeconds(60), renewalTime(new RenewalTiming(RenewalTiming.DEFAULT_FRACTION, Duration.ofSeconds(90)), shortLived.certificate()));
        assertEquals(T0.plusSeconds(1), renewalTime(new RenewalTiming(RenewalTiming.DEFAULT_FRACTION, Duration.ofSeconds(89)), shortLived.certificate()));
    }

    @Test
    void customFraction() {
        assertEquals(T0.plus(Duration.ofDays(45)), renewalTime(new RenewalTiming(0.5, null), ISSUED.certificate()));
        assertEquals(1.0 / 3.0, RenewalTiming.defaults().fraction());
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RenewalTiming(0.0, null));
        assertThrows(IllegalArgumentException.class, () -> new RenewalTiming(1.0, null));
        assertThrows(IllegalArgumentException.class, () -> new RenewalTiming(Double.NaN, null));
        assertThrows(IllegalArgumentException.class, () -> new RenewalTiming(RenewalTiming.DEFAULT_FRACTION, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new RenewalTiming(RenewalTiming.DEFAULT_FRACTION, Duration.ofDays(-1)));
    }

    @Test
    void theChainRespectsTheReasonOrderAndEachReasonHasTextAndLabel() {
        assertEquals(List.of(SECRET_MISSING, DATA_MISSING, KEY_MISMATCH, DNS_NAMES_CHANGED, IssuanceReason.USAGE_CHANGED,
                CA_MISSING, ISSUER_CHANGED, IssuanceReason.CHAIN_BROKEN, IssuanceReason.WEAK,
                EXPIRED, RENEWAL_WINDOW), List.of(IssuanceReason.values()));
        assertEquals("certificate enters its renewal window", RENEWAL_WINDOW.text());
        assertEquals("renewal-window", RENEWAL_WINDOW.label());
        for (IssuanceReason r : IssuanceReason.values()) {
            assertEquals(r.name().toLowerCase().replace('_', '-'), r.label());
        }
    }

    @Test
    void usageChangedWhenTheSecretStartsServingAnotherPurpose() {
        CredentialDemand both = new CredentialDemand("istio-ingress", "shop-tls", NAMES, false,
                CredentialDemand.Purpose.SERVER_AND_CLIENT, List.of(ObjectRef.parse("DestinationRule/istio-ingress/out", "networking.istio.io")), null);
        assertEquals(Optional.of(IssuanceReason.USAGE_CHANGED), check(secret(ISSUED, both), both, T0),
                "a server-only certificate cannot authenticate a client");
        CredentialDemand client = new CredentialDemand("istio-ingress", "shop-tls", NAMES, false,
                CredentialDemand.Purpose.CLIENT, List.of(ObjectRef.parse("DestinationRule/istio-ingress/out", "networking.istio.io")), null);
        IssuedCertificate clientCert = ISSUER.issue(new LeafRequest(NAMES, KeyAlgorithm.EC_P256, Duration.ofDays(90),
                true, false), CA, CLOCK);
        assertEquals(Optional.empty(), check(secret(clientCert, client), client, T0));
        assertEquals(Optional.of(IssuanceReason.USAGE_CHANGED), check(secret(clientCert, DEMAND), DEMAND, T0),
                "a client-only certificate cannot serve");
    }

    // ---- fixtures ----

    private Optional<IssuanceReason> check(SecretData secret, CredentialDemand demand, Instant now) {
        return check(secret, demand, FP, now);
    }

    private Optional<IssuanceReason> check(SecretData secret, CredentialDemand demand, String issuer, Instant now) {
        return policy.judge(Optional.of(SecretAssessment.of(secret)), demand, issuer, now).reason();
    }

    private static Instant renewalTime(RenewalTiming timing, X509Certificate cert) {
        return timing.renewalTime(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant());
    }

    private static Instant at(Duration sinceIssue) {
        return Clock.offset(CLOCK, sinceIssue).instant();
    }

    private static CredentialDemand demand(List<String> names, boolean mutual) {
        return new CredentialDemand("istio-ingress", "shop-tls", names, mutual, CredentialDemand.Purpose.SERVER,
                List.of(ObjectRef.parse("Gateway/istio-ingress/shop", "networking.istio.io")), null);
    }

    private static IssuedCertificate issue(List<String> names, Duration lifetime) {
        return ISSUER.issue(new LeafRequest(names, KeyAlgorithm.EC_P256, lifetime, false, true), CA, CLOCK);
    }

    /** The Secret as the certificate manager would write it for the demand. */
    private static SecretData secret(IssuedCertificate issued, CredentialDemand demand) {
        List<X509Certificate> bundle = CA.trustBundle(T0);
        return new SecretData(demand.namespace(), demand.secretName(), ManagedSecret.TYPE, ManagedSecret.labels(),
                ManagedSecret.annotations(demand, issued, FP), ManagedSecret.data(issued, bundle, demand.needsCa()));
    }

    private static SecretData with(SecretData s, String key, byte[] value) {
        Map<String, byte[]> data = new HashMap<>(s.data());
        data.put(key, value);
        return new SecretData(s.namespace(), s.name(), s.type(), s.labels(), s.annotations(), data);
    }

    private static SecretData without(SecretData s, String key) {
        Map<String, byte[]> data = new HashMap<>(s.data());
        data.remove(key);
        return new SecretData(s.namespace(), s.name(), s.type(), s.labels(), s.annotations(), data);
    }

    private static SecretData withoutAnnotation(SecretData s, String key) {
        Map<String, String> annotations = new HashMap<>(s.annotations());
        annotations.remove(key);
        return new SecretData(s.namespace(), s.name(), s.type(), s.labels(), annotations, s.data());
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
