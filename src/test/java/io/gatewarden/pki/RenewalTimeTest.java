package io.gatewarden.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One due-time rule for leaves and CAs, measured from issuance (issue 18: CAs were due at birth). */
class RenewalTimeTest {
    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);
    private static final BigDecimal THIRD = BigDecimal.ONE.divide(BigDecimal.valueOf(3), 20, RoundingMode.HALF_UP);

    @Test
    void aShortCaIsDueAtTwoThirdsOfItsLifeNotAtBirth() {
        // The reported case: a 180 s CA, back-dated an hour, was due 0.1 s after creation.
        CertificateAuthority ca = CertificateAuthority.create("CA", KeyAlgorithm.EC_P256, Duration.ofSeconds(180), CLOCK);
        assertEquals(Duration.ofSeconds(180), RenewalTime.lifetime(ca.certificate().getNotBefore().toInstant(),
                ca.certificate().getNotAfter().toInstant()));
        assertEquals(T0, RenewalTime.issuedAt(ca.certificate()));
        assertEquals(T0.plusSeconds(120), RenewalTime.due(ca.certificate(), THIRD));
        // 1,980 s rotated after 120 s; now after 1,320 s.
        CertificateAuthority longer = CertificateAuthority.create("CA", KeyAlgorithm.EC_P256, Duration.ofSeconds(1980), CLOCK);
        assertEquals(T0.plusSeconds(1320), RenewalTime.due(longer.certificate(), THIRD));
    }

    @Test
    void leavesAndCasFollowTheSameRule() {
        CertificateAuthority ca = CertificateAuthority.create("CA", KeyAlgorithm.EC_P256, Duration.ofDays(3650), CLOCK);
        IssuedCertificate leaf = new CertificateIssuer().issue(new LeafRequest(List.of("a.example.com"),
                KeyAlgorithm.EC_P256, Duration.ofSeconds(180), false, true), ca, CLOCK);
        CertificateAuthority shortCa = CertificateAuthority.create("CA", KeyAlgorithm.EC_P256, Duration.ofSeconds(180), CLOCK);
        assertEquals(RenewalTime.due(shortCa.certificate(), THIRD), RenewalTime.due(leaf.certificate(), THIRD));
    }

    @Test
    void renewBeforeWinsOnlyWhenShorterThanTheLifetime() {
        Instant notBefore = T0.minus(Duration.ofHours(1));
        Instant notAfter = T0.plusSeconds(90);
        assertEquals(notAfter.minusSeconds(10), RenewalTime.due(notBefore, notAfter, THIRD, Duration.ofSeconds(10)));
        assertEquals(T0.plusSeconds(60), RenewalTime.due(notBefore, notAfter, THIRD, Duration.ofSeconds(90)));
        assertEquals(T0.plusSeconds(45), RenewalTime.due(notBefore, notAfter, new BigDecimal("0.5"), null));
    }

    @Test
    void aSpanWithoutRoomForTheBackDatingIsTakenWhole() {
        Instant notAfter = T0.plus(Duration.ofMinutes(30));
        assertEquals(Duration.ofMinutes(30), RenewalTime.lifetime(T0, notAfter));
        assertEquals(T0.plus(Duration.ofMinutes(20)), RenewalTime.due(T0, notAfter, THIRD, null));
    }
}
