package io.gatewarden.pki;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;

/**
 * When a certificate Gatewarden issued is due to be replaced: one rule for leaves (renewal) and for
 * the CA (rotation).
 *
 * <p>Every certificate Gatewarden makes has its notBefore set back by {@link X509Support#BACKDATE}
 * for clients whose clocks run behind; that hour is not part of its life. So the lifetime is
 * measured from issuance: notAfter − notBefore − back-dating (a span no longer than the back-dating
 * cannot carry it and is taken whole). A 90-second certificate is due 60 s after it was issued with
 * the default third, not 20 minutes before it was even made.
 */
public final class RenewalTime {

    private RenewalTime() {
    }

    /** The certificate's life from the moment it was issued. */
    public static Duration lifetime(Instant notBefore, Instant notAfter) {
        Duration span = Duration.between(notBefore, notAfter);
        return span.compareTo(X509Support.BACKDATE) > 0 ? span.minus(X509Support.BACKDATE) : span;
    }

    /** When it was issued: notAfter − {@link #lifetime}. */
    public static Instant issuedAt(X509Certificate cert) {
        Instant notAfter = cert.getNotAfter().toInstant();
        return notAfter.minus(lifetime(cert.getNotBefore().toInstant(), notAfter));
    }

    /**
     * notAfter − {@code renewBefore} when that is set and shorter than the lifetime, else notAfter −
     * lifetime × {@code fraction} (to the nanosecond). A {@code renewBefore} not shorter than the
     * lifetime (a leaf cut short by its CA's notAfter) would be due at once and forever, so the
     * fraction applies then, as cert-manager does.
     *
     * @param fraction share of the lifetime before notAfter at which it is due, in (0, 1)
     * @param renewBefore null for none
     */
    public static Instant due(Instant notBefore, Instant notAfter, BigDecimal fraction, Duration renewBefore) {
        Duration lifetime = lifetime(notBefore, notAfter);
        Duration before = renewBefore != null && renewBefore.compareTo(lifetime) < 0
                ? renewBefore
                : Duration.ofNanos(new BigDecimal(lifetime.toNanos()).multiply(fraction)
                        .setScale(0, RoundingMode.HALF_UP).longValueExact());
        return notAfter.minus(before);
    }

    /** {@link #due(Instant, Instant, BigDecimal, Duration)} of a certificate, by fraction only. */
    public static Instant due(X509Certificate cert, BigDecimal fraction) {
        return due(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant(), fraction, null);
    }
}
