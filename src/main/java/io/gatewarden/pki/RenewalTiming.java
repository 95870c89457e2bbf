package io.gatewarden.pki;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;

/**
 * The leaf renewal settings ({@code gatewarden.certificates.renew-before-fraction}, {@code renew-before})
 * as one value, and the due time they give through {@link RenewalTime}, the rule the CA's rotation
 * follows too: notAfter − {@code renewBefore} when set and shorter than the lifetime, else notAfter −
 * lifetime × {@code fraction}, the lifetime measured from issuance.
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

    /** The renewal time of a certificate valid from notBefore to notAfter: {@link RenewalTime#due}. */
    public Instant renewalTime(Instant notBefore, Instant notAfter) {
        return RenewalTime.due(notBefore, notAfter, BigDecimal.valueOf(fraction), renewBefore);
    }
}
