package io.gatewarden.model;

import java.util.Locale;

/** A DestinationRule's client {@code tls.mode}: how a proxy originates TLS to the destination. */
public enum ClientTlsMode {
    DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL;

    /** The mode a value names, ignoring case; null when unset or unknown. */
    public static ClientTlsMode parse(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** SIMPLE or MUTUAL: the proxy originates TLS with settings of its own (not Istio's mTLS). */
    public boolean originates() {
        return this == SIMPLE || this == MUTUAL;
    }
}
