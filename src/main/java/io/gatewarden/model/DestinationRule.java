package io.gatewarden.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A networking.istio.io DestinationRule (all versions), read once from JSON: its host, its
 * workload selector and every client TLS block, wherever it sits (traffic policy, port-level
 * settings, subsets). Values of the wrong type become {@link #shapeErrors()} (under EG606, the
 * origination code) and are treated as absent.
 *
 * @param workloadSelector {@code spec.workloadSelector.matchLabels}, or null when there is no workloadSelector
 */
public record DestinationRule(Resource resource, String host, Map<String, String> workloadSelector, List<Tls> tls,
                              List<Diagnostic> shapeErrors) {

    /**
     * One {@code ClientTLSSettings} block. {@code path} is its field path, e.g.
     * {@code spec.trafficPolicy.portLevelSettings[0].tls}; {@code port} is the port-level
     * settings' port number, or null. Absent strings are null; lists are never null.
     */
    public record Tls(String path, Integer port, String mode, String clientCertificate, String privateKey,
                      String caCertificates, String credentialName, String sni, boolean insecureSkipVerify,
                      List<String> subjectAltNames) {

        /** Upper-cased mode; null when unset. */
        public String modeUpper() {
            return mode == null || mode.isEmpty() ? null : mode.toUpperCase(Locale.ROOT);
        }

        /** The mode, or null when unset or unknown. */
        public ClientTlsMode clientMode() {
            return ClientTlsMode.parse(mode);
        }

        /** SIMPLE or MUTUAL: the proxy originates TLS with settings of its own (not Istio's mTLS). */
        public boolean originates() {
            ClientTlsMode m = clientMode();
            return m != null && m.originates();
        }

        public boolean mutual() {
            return clientMode() == ClientTlsMode.MUTUAL;
        }

        public boolean hasCredentialName() {
            return credentialName != null && !credentialName.isEmpty();
        }
    }

    public static DestinationRule parse(Resource resource) {
        ShapeReader in = new ShapeReader(resource);
        JsonNode spec = resource.spec();
        String host = in.text(spec, "host", "spec.host", Code.EG606);
        JsonNode selectorNode = spec.path("workloadSelector");
        Map<String, String> selector = selectorNode.isObject()
                ? Resource.stringMap(selectorNode.path("matchLabels")) : null;
        List<Tls> tls = new ArrayList<>();
        trafficPolicy(in, spec.path("trafficPolicy"), "spec.trafficPolicy", tls);
        JsonNode subsets = spec.path("subsets");
        if (subsets.isArray()) {
            for (int k = 0; k < subsets.size(); k++) {
                trafficPolicy(in, subsets.get(k).path("trafficPolicy"), "spec.subsets[" + k + "].trafficPolicy", tls);
            }
        }
        return new DestinationRule(resource, host, selector, List.copyOf(tls), in.errors());
    }

    private static void trafficPolicy(ShapeReader in, JsonNode policy, String path, List<Tls> out) {
        if (!policy.isObject()) {
            return;
        }
        Tls top = tls(in, policy.path("tls"), path + ".tls", null);
        if (top != null) {
            out.add(top);
        }
        JsonNode ports = policy.path("portLevelSettings");
        if (ports.isArray()) {
            for (int m = 0; m < ports.size(); m++) {
                String portPath = path + ".portLevelSettings[" + m + "]";
                JsonNode portNode = ports.get(m).path("port");
                Integer number = portNode.isObject()
                        ? in.integer(portNode, "number", portPath + ".port.number", Code.EG606) : null;
                Tls t = tls(in, ports.get(m).path("tls"), portPath + ".tls", number);
                if (t != null) {
                    out.add(t);
                }
            }
        }
    }

    private static Tls tls(ShapeReader in, JsonNode t, String path, Integer port) {
        if (!t.isObject()) {
            if (!t.isMissingNode() && !t.isNull()) {
                in.error(Code.EG606, path, ShapeReader.describe(t) + " is not a tls settings object");
            }
            return null;
        }
        Code c = Code.EG606;
        List<String> sans = in.texts(t, "subjectAltNames", path + ".subjectAltNames", c);
        return new Tls(path, port, in.text(t, "mode", path + ".mode", c),
                in.text(t, "clientCertificate", path + ".clientCertificate", c),
                in.text(t, "privateKey", path + ".privateKey", c),
                in.text(t, "caCertificates", path + ".caCertificates", c),
                in.text(t, "credentialName", path + ".credentialName", c),
                in.text(t, "sni", path + ".sni", c),
                in.bool(t, "insecureSkipVerify", path + ".insecureSkipVerify", c),
                sans == null ? List.of() : sans);
    }
}
