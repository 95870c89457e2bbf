package io.gatewarden.model;

/** An Istio Gateway server's {@code tls.mode}. Unset means PASSTHROUGH to Istio. */
public enum TlsMode {
    PASSTHROUGH, SIMPLE, MUTUAL, AUTO_PASSTHROUGH, ISTIO_MUTUAL, OPTIONAL_MUTUAL;

    /** The mode a value names, ignoring case; null when unset or unknown. */
    public static TlsMode parse(String value) {
        return Vocabulary.parse(TlsMode.class, value);
    }

    /** Terminates TLS with the server's own certificate, read from credentialName or files. */
    public boolean servesOwnCertificate() {
        return this == SIMPLE || this == MUTUAL || this == OPTIONAL_MUTUAL;
    }

    /** Asks clients for certificates and verifies them against a CA. */
    public boolean verifiesClients() {
        return this == MUTUAL || this == OPTIONAL_MUTUAL;
    }

    /** Forwards TLS untouched. */
    public boolean passthrough() {
        return this == PASSTHROUGH || this == AUTO_PASSTHROUGH;
    }

    /** Terminates TLS at the gateway (own certificate, or the mesh's for ISTIO_MUTUAL). */
    public boolean terminates() {
        return servesOwnCertificate() || this == ISTIO_MUTUAL;
    }
}
