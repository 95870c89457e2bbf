package io.gatewarden.model;

/** {@code minProtocolVersion} / {@code maxProtocolVersion} values, in increasing order after TLS_AUTO. */
public enum TlsVersion {
    TLS_AUTO, TLSV1_0, TLSV1_1, TLSV1_2, TLSV1_3;

    /** The modern floor: below it, legacy cipher suites are on by default. */
    public static final TlsVersion MODERN = TLSV1_2;

    /** The version a value names, ignoring case; null when unset or unknown. */
    public static TlsVersion parse(String value) {
        return Vocabulary.parse(TlsVersion.class, value);
    }

    /** A concrete version (not TLS_AUTO), comparable with {@link #compareTo}. */
    public boolean concrete() {
        return this != TLS_AUTO;
    }
}
