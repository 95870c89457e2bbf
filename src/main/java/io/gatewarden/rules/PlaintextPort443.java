package io.gatewarden.rules;

import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.model.Resource;

import java.util.Locale;
import java.util.Set;

/**
 * EG613, shared by Services and ServiceEntries: port 443 declared with a protocol of the HTTP family. Sidecars
 * build one listener per HTTP port on every address (0.0.0.0:443), so once any visible Service or ServiceEntry
 * says 443 is HTTP, every sidecar that imports it parses all outbound 443 traffic as plaintext HTTP, and TLS
 * to any external host breaks. The owner of the port rarely sees it; the rest of the mesh does.
 */
final class PlaintextPort443 {
    static final int HTTPS_PORT = 443;
    /** Istio's HTTP protocols (protocol.IsHTTP): what makes a sidecar listener an HTTP connection manager. */
    private static final Set<String> HTTP_FAMILY = Set.of("HTTP", "HTTP2", "HTTP_PROXY", "GRPC", "GRPC-WEB");

    private PlaintextPort443() {
    }

    /** Whether a protocol as Istio names it (any case) is one of the HTTP family. */
    static boolean httpFamily(String protocol) {
        return protocol != null && HTTP_FAMILY.contains(protocol.trim().toUpperCase(Locale.ROOT));
    }

    /**
     * The finding for port 443 at {@code field}, declared {@code protocol} {@code how} ("by its name \"http-api\"",
     * "by spec.ports[0].protocol").
     */
    static Diagnostic finding(Resource r, String field, String protocol, String how) {
        String fact = r.kind() + " " + r.namespace() + "/" + r.name() + " declares port 443 as " + protocol
                + " (" + how + ")";
        String why = ": every sidecar that imports it (the whole mesh unless exportTo limits it) then treats all "
                + "outbound port 443 traffic as plaintext HTTP, so HTTPS from those pods to any external host fails "
                + "(curl: \"wrong version number\", Envoy resets the connection): one team's port breaks egress for "
                + "everyone";
        String fix = "; if the port carries TLS, declare it https or tls (name prefix or appProtocol), else move "
                + "the plaintext port off 443";
        return Diagnostic.of(Code.EG613, r, field, fact, why, fix);
    }
}
