package io.gatewarden.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A networking.istio.io Gateway (v1alpha3, v1beta1 and v1 share one schema), read once from JSON.
 * Values of the wrong type become {@link #shapeErrors()} and are treated as absent.
 *
 * @param servers one entry per element of {@code spec.servers}; null entries stay null (GW101)
 */
public record IstioGateway(Resource resource, Map<String, String> selector, boolean serversPresent,
                           List<Server> servers, List<Diagnostic> shapeErrors) {

    public record Port(Integer number, String protocol, String name, boolean targetPortSet) {
        /** Upper-cased protocol, "" when missing: Istio compares protocols case-insensitively. */
        public String protocolUpper() {
            return protocol == null ? "" : protocol.toUpperCase(java.util.Locale.ROOT);
        }

        /** The protocol, or null when unset or unknown (GW105). */
        public ServerProtocol knownProtocol() {
            return ServerProtocol.parse(protocol);
        }
    }

    /**
     * The {@code tls} block. Lists are empty, never null; absent strings are null.
     */
    public record Tls(String mode, boolean httpsRedirect, String credentialName, List<String> credentialNames,
                      String serverCertificate, String privateKey, String caCertificates, String caCrl,
                      int tlsCertificateCount, String minProtocolVersion, String maxProtocolVersion,
                      List<String> cipherSuites, List<String> subjectAltNames) {

        /** Upper-cased mode, or null when unset (Istio then treats the server as PASSTHROUGH). */
        public String modeUpper() {
            return mode == null || mode.isEmpty() ? null : mode.toUpperCase(java.util.Locale.ROOT);
        }

        /** The mode, or null when unset or not one Istio knows. */
        public TlsMode tlsMode() {
            return TlsMode.parse(mode);
        }

        /** SIMPLE, MUTUAL or OPTIONAL_MUTUAL: the server terminates TLS with a certificate of its own. */
        public boolean servesOwnCertificate() {
            TlsMode m = tlsMode();
            return m != null && m.servesOwnCertificate();
        }

        /** Every certificate-related field that is set, by name, in declaration order. */
        public List<String> certificateFields() {
            List<String> fields = new ArrayList<>();
            if (notEmpty(credentialName)) fields.add("credentialName");
            if (!credentialNames.isEmpty()) fields.add("credentialNames");
            if (notEmpty(serverCertificate)) fields.add("serverCertificate");
            if (notEmpty(privateKey)) fields.add("privateKey");
            if (notEmpty(caCertificates)) fields.add("caCertificates");
            if (tlsCertificateCount > 0) fields.add("tlsCertificates");
            if (notEmpty(caCrl)) fields.add("caCrl");
            if (!subjectAltNames.isEmpty()) fields.add("subjectAltNames");
            return fields;
        }

        /** The distinct certificate sources that are set: credentialName, credentialNames, files, tlsCertificates. */
        public List<String> certificateSources() {
            List<String> sources = new ArrayList<>();
            if (notEmpty(credentialName)) sources.add("credentialName");
            if (!credentialNames.isEmpty()) sources.add("credentialNames");
            if (notEmpty(serverCertificate) || notEmpty(privateKey)) sources.add("serverCertificate+privateKey");
            if (tlsCertificateCount > 0) sources.add("tlsCertificates");
            return sources;
        }

        /** Credential names from {@code credentialName} and {@code credentialNames}, with their field paths relative to tls. */
        public List<Map.Entry<String, String>> credentials() {
            List<Map.Entry<String, String>> out = new ArrayList<>();
            if (notEmpty(credentialName)) out.add(Map.entry("credentialName", credentialName));
            for (int i = 0; i < credentialNames.size(); i++) {
                out.add(Map.entry("credentialNames[" + i + "]", credentialNames.get(i)));
            }
            return out;
        }

        private static boolean notEmpty(String s) {
            return s != null && !s.isEmpty();
        }
    }

    /**
     * One server. {@code path} is its field path ({@code spec.servers[1]}); {@code port} is null
     * when the port block is missing; {@code tls} is null when there is no tls block.
     */
    public record Server(int index, String path, Port port, List<String> hosts, String bind, Tls tls) {
        public String protocolUpper() {
            return port == null ? "" : port.protocolUpper();
        }
    }

    public static IstioGateway parse(Resource resource) {
        ShapeReader in = new ShapeReader(resource);
        JsonNode spec = resource.spec();
        Map<String, String> selector = Resource.stringMap(spec.path("selector"));
        JsonNode serversNode = spec.path("servers");
        List<Server> servers = new ArrayList<>();
        boolean present = serversNode.isArray();
        if (!serversNode.isMissingNode() && !serversNode.isNull() && !serversNode.isArray()) {
            in.error(Code.GW101, "spec.servers", ShapeReader.describe(serversNode) + " is not a list of servers");
        }
        if (present) {
            for (int i = 0; i < serversNode.size(); i++) {
                servers.add(server(in, serversNode.get(i), i));
            }
        }
        return new IstioGateway(resource, selector, present, servers, in.errors());
    }

    private static Server server(ShapeReader in, JsonNode node, int i) {
        String path = "spec.servers[" + i + "]";
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            in.error(Code.GW101, path, ShapeReader.describe(node) + " is not a server object");
            return null;
        }
        Port port = null;
        JsonNode portNode = node.path("port");
        if (portNode.isObject()) {
            port = new Port(in.integer(portNode, "number", path + ".port.number", Code.GW104),
                    in.text(portNode, "protocol", path + ".port.protocol", Code.GW105),
                    in.text(portNode, "name", path + ".port.name", Code.GW106),
                    portNode.has("targetPort") && !portNode.get("targetPort").isNull());
        } else if (!portNode.isMissingNode() && !portNode.isNull()) {
            in.error(Code.GW104, path + ".port", ShapeReader.describe(portNode) + " is not a port object");
        }
        List<String> hosts = in.texts(node, "hosts", path + ".hosts", Code.GW102);
        String bind = in.text(node, "bind", path + ".bind", Code.GW104);
        return new Server(i, path, port, hosts == null ? List.of() : hosts, bind, tls(in, node.path("tls"), path + ".tls"));
    }

    private static Tls tls(ShapeReader in, JsonNode t, String path) {
        if (t.isMissingNode() || t.isNull()) {
            return null;
        }
        if (!t.isObject()) {
            in.error(Code.GW201, path, ShapeReader.describe(t) + " is not a tls settings object");
            return null;
        }
        // A wrong-typed field is reported under the code that judges that field.
        JsonNode certs = t.path("tlsCertificates");
        List<String> creds = in.texts(t, "credentialNames", path + ".credentialNames", Code.GW302);
        List<String> ciphers = in.texts(t, "cipherSuites", path + ".cipherSuites", Code.GW213);
        List<String> sans = in.texts(t, "subjectAltNames", path + ".subjectAltNames", Code.GW207);
        return new Tls(in.text(t, "mode", path + ".mode", Code.GW204),
                in.bool(t, "httpsRedirect", path + ".httpsRedirect", Code.GW214),
                in.text(t, "credentialName", path + ".credentialName", Code.GW302), creds == null ? List.of() : creds,
                in.text(t, "serverCertificate", path + ".serverCertificate", Code.GW205),
                in.text(t, "privateKey", path + ".privateKey", Code.GW205),
                in.text(t, "caCertificates", path + ".caCertificates", Code.GW207),
                in.text(t, "caCrl", path + ".caCrl", Code.GW215),
                certs.isArray() ? certs.size() : 0,
                in.text(t, "minProtocolVersion", path + ".minProtocolVersion", Code.GW211),
                in.text(t, "maxProtocolVersion", path + ".maxProtocolVersion", Code.GW211),
                ciphers == null ? List.of() : ciphers, sans == null ? List.of() : sans);
    }
}
