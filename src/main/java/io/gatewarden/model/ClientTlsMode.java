package io.gatewarden.model;

/** A DestinationRule's client {@code tls.mode}: how a proxy originates TLS to the destination. */
public enum ClientTlsMode {
    DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL;

    /** The mode a value names, ignoring case; null when unset or unknown. */
    public static ClientTlsMode parse(String value) {
        return Vocabulary.parse(ClientTlsMode.class, value);
    }

    /** SIMPLE or MUTUAL: the proxy originates TLS with settings of its own (not Istio's mTLS). */
    public boolean originates() {
        return this == SIMPLE || this == MUTUAL;
    }
}
