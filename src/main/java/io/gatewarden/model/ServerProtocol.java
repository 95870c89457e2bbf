package io.gatewarden.model;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** An Istio Gateway server's {@code port.protocol} (Istio compares them case-insensitively). */
public enum ServerProtocol {
    HTTP, HTTPS, GRPC, GRPC_WEB("GRPC-WEB"), HTTP2, MONGO, REDIS, MYSQL, TCP, TLS;

    private final String label;

    ServerProtocol() {
        this.label = name();
    }

    ServerProtocol(String label) {
        this.label = label;
    }

    /** As written in a Gateway: {@code GRPC-WEB}, {@code HTTPS}. */
    public String label() {
        return label;
    }

    /** Every label, in declaration order, for messages listing the choices. */
    public static List<String> labels() {
        return Arrays.stream(values()).map(ServerProtocol::label).toList();
    }

    /** The protocol a value names, ignoring case; null when unset or unknown. */
    public static ServerProtocol parse(String value) {
        if (value == null) {
            return null;
        }
        String upper = value.toUpperCase(Locale.ROOT);
        for (ServerProtocol p : values()) {
            if (p.label.equals(upper)) {
                return p;
            }
        }
        return null;
    }

    /** Plain-text HTTP family: a tls block there may only carry httpsRedirect. */
    public boolean plainHttp() {
        return this == HTTP || this == HTTP2 || this == GRPC || this == GRPC_WEB;
    }

    /** Carries TLS at the gateway (terminated or passed through): HTTPS and TLS. */
    public boolean carriesTls() {
        return this == HTTPS || this == TLS;
    }

    /** Opaque TCP protocols, which take no TLS settings. */
    public boolean opaque() {
        return this == TCP || this == MONGO || this == REDIS || this == MYSQL;
    }
}
