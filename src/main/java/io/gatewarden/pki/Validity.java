package io.gatewarden.pki;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Optional;

/** Is a certificate inside its validity window at a given moment? */
public final class Validity {

    private Validity() {
    }

    /**
     * "expired at ..." or "not valid before ..." (UTC, ISO-8601), empty when valid at {@code now}.
     * Both bounds are inclusive, as in RFC 5280.
     */
    public static Optional<String> problem(X509Certificate cert, Instant now) {
        Instant notAfter = cert.getNotAfter().toInstant();
        Instant notBefore = cert.getNotBefore().toInstant();
        if (now.isAfter(notAfter)) {
            return Optional.of("expired at " + notAfter);
        }
        if (now.isBefore(notBefore)) {
            return Optional.of("not valid before " + notBefore);
        }
        return Optional.empty();
    }
}
