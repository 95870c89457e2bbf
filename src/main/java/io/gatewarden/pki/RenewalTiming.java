package io.gatewarden.pki;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;

/**
 * When a certificate is due for renewal: notAfter − {@code renewBefore} when set, else notAfter −
 * lifetime × {@code fraction} (default 1/3, i.e. at 2/3 of the lifetime). The lifetime is the
 * certificate's actual one: notAfter − notBefore less the one-hour back-dating
 * ({@link CertificateIssuer#BACKDATE}) every certificate Gatewarden issues carries, so a 90-day
 * certificate renews at day 60 and a 90-second one at second 60 after issuing. (A span of an hour or
 * less cannot carry the back-dating and is taken whole.) A {@code renewBefore} not shorter than the
 * lifetime would renew forever, so then the fraction applies instead, as cert-manager does.
 *
 * @param fraction    share of the lifetime before notAfter at which to renew, in (0, 1)
 * @param renewBefore absolute time before notAfter at which to renew, overriding the fraction; null for none
 */
public record RenewalTiming(double fraction, Duration renewBefore) {

    public static final double DEFAULT_FRACTION = 1.0 / 3.0;

    public RenewalTiming {
        if (!(fraction > 0.0 && fraction < 1.0)) {
            throw new IllegalArgumentException("renewBeforeFraction must be between 0 and 1 (exclusive), got "
                    + fraction);
        }
        if (renewBefore != null && (renewBefore.isNegative() || renewBefore.isZero())) {
            throw new IllegalArgumentException("renewBefore must be positive, got " + renewBefore);
        }
    }

    /** Renew at 2/3 of the lifetime. */
    public static RenewalTiming defaults() {
        return new RenewalTiming(DEFAULT_FRACTION, null);
    }

    /** The renewal time of a certificate valid from notBefore to notAfter (see the class comment). */
    public Instant renewalTime(Instant notBefore, Instant notAfter) {
        Duration span = Duration.between(notBefore, notAfter);
        Duration lifetime = span.compareTo(CertificateIssuer.BACKDATE) > 0 ? span.minus(CertificateIssuer.BACKDATE) : span;
        Duration before = renewBefore != null && renewBefore.compareTo(lifetime) < 0
                ? renewBefore
                : Duration.ofNanos(new BigDecimal(lifetime.toNanos()).multiply(BigDecimal.valueOf(fraction))
                        .setScale(0, RoundingMode.HALF_UP).longValueExact());
        return notAfter.minus(before);
    }
}
