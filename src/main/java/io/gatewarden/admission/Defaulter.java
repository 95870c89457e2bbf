package io.gatewarden.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.gatewarden.demands.Demands;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.model.ClientTlsMode;
import io.gatewarden.model.Hosts;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.model.ServerProtocol;
import io.gatewarden.model.TlsMode;
import io.gatewarden.model.TlsVersion;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The mutating webhook's defaults (MUT901–MUT907) as a pure function of the raw object: the
 * changes it would make, each one JSONPatch operation on the object exactly as received. The
 * object is never reserialized through a typed model, so fields Gatewarden does not know survive
 * untouched, in their order. Only what has one right answer is changed; anything ambiguous or of
 * the wrong type is left for validation to report. Applying the changes and asking again yields
 * no change (safe under {@code reinvocationPolicy: IfNeeded}).
 *
 * <p>Every loop is linear in the servers, hosts and port settings of the one object.
 */
public final class Defaulter {
    /** {@code gatewarden.io/defaults: "off"} on a resource: it is left alone. */
    public static final String OPT_OUT_ANNOTATION = "gatewarden.io/defaults";
    /** MUT907: the codes of the defaults applied to a resource, sorted, comma-separated. */
    public static final String DEFAULTED_ANNOTATION = "gatewarden.io/defaulted";

    static final Set<Kind> MUTATED = Set.of(Kind.ISTIO_GATEWAY, Kind.VIRTUAL_SERVICE, Kind.DESTINATION_RULE);
    /** Longest Kubernetes object name (DNS-1123 subdomain). */
    static final int MAX_NAME = 253;

    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|.*:.*");
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private Defaulter() {
    }

    /**
     * One applied default: a JSONPatch operation ({@code op} add or replace at JSON pointer
     * {@code path}) plus what the user is told: {@code field} in the usual
     * {@code spec.servers[1].tls.mode} form, the value before ({@code oldValue}, null when absent)
     * and after, and why.
     */
    public record Change(Code code, String field, String op, String path, JsonNode value, JsonNode oldValue,
                         String message) {
        /** {@code [MUT901] spec.servers[1].tls.mode: set to SIMPLE because ...}: one response.warnings line. */
        public String warning() {
            return "[" + code + "] " + field + ": " + message;
        }

        public ObjectNode operation() {
            ObjectNode op = JSON.objectNode().put("op", this.op).put("path", path);
            op.set("value", value.deepCopy());
            return op;
        }
    }

    /** The changes for an object whose namespace is in its metadata (or {@code default}). */
    public static List<Change> changes(JsonNode object, DefaultSettings settings) {
        return changes(object, null, settings);
    }

    /**
     * The changes, in order: each operation's path is valid on the object as changed by the ones
     * before it. Empty for kinds other than Istio Gateway, VirtualService and DestinationRule, for
     * a resource that opts out, and for one that needs nothing.
     *
     * @param namespace the request's namespace, used when the object names none (CREATE); may be null
     */
    public static List<Change> changes(JsonNode object, String namespace, DefaultSettings settings) {
        if (object == null || !object.isObject() || optedOut(object)) {
            return List.of();
        }
        Resource resource = Resource.of(object, namespace == null || namespace.isEmpty()
                ? Resource.DEFAULT_NAMESPACE : namespace, "mutate");
        Kind kind = Kind.of(resource);
        if (kind == null || !MUTATED.contains(kind)) {
            return List.of();
        }
        Run run = new Run((ObjectNode) object.deepCopy(), settings, resource);
        switch (kind) {
            case ISTIO_GATEWAY -> run.gateway();
            case VIRTUAL_SERVICE -> run.virtualService();
            case DESTINATION_RULE -> run.destinationRule();
            default -> {
            }
        }
        run.annotation();
        return List.copyOf(run.out);
    }

    /** The JSONPatch document (an array of operations) for the changes. */
    public static ArrayNode patch(List<Change> changes) {
        ArrayNode ops = JSON.arrayNode();
        changes.forEach(c -> ops.add(c.operation()));
        return ops;
    }

    /** Whether the resource carries {@code gatewarden.io/defaults: "off"} (or "false"). */
    public static boolean optedOut(JsonNode object) {
        JsonNode v = object.path("metadata").path("annotations").path(OPT_OUT_ANNOTATION);
        String s = v.isTextual() ? v.asText().strip() : "";
        return s.equalsIgnoreCase("off") || s.equalsIgnoreCase("false");
    }

    /**
     * MUT902's credential name: {@code <namespace>-<gateway>-<port name, else number>-tls}, each
     * part lower-cased. When a part had to be changed beyond lower-casing (a character outside
     * {@code [a-z0-9]} runs replaced by {@code -}) or the name would exceed 253 characters, the
     * readable part is cut to fit and {@code -<8 hex of SHA-256(namespace/gateway/port)>} is put
     * before {@code -tls}, so distinct servers never share a name. Same input, same name: a
     * DNS-1123 subdomain, valid as a Secret name.
     */
    public static String credentialName(String namespace, String gateway, String port) {
        List<String> parts = List.of(namespace, gateway, port);
        List<String> slugs = new ArrayList<>();
        boolean exact = true;
        for (String p : parts) {
            String slug = slug(p);
            exact &= slug.equals(p.toLowerCase(Locale.ROOT)) && !slug.isEmpty();
            if (!slug.isEmpty()) {
                slugs.add(slug);
            }
        }
        String readable = String.join("-", slugs);
        String plain = readable + "-tls";
        if (exact && plain.length() <= MAX_NAME) {
            return plain;
        }
        String suffix = "-" + shortHash(namespace + "/" + gateway + "/" + port) + "-tls";
        String base = readable.length() > MAX_NAME - suffix.length()
                ? trimDashes(readable.substring(0, MAX_NAME - suffix.length())) : readable;
        return base.isEmpty() ? suffix.substring(1) : base + suffix;
    }

    private static String slug(String s) {
        return trimDashes(s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-"));
    }

    private static String trimDashes(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && s.charAt(a) == '-') {
            a++;
        }
        while (b > a && s.charAt(b - 1) == '-') {
            b--;
        }
        return s.substring(a, b);
    }

    private static String shortHash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }

    /** A JSON pointer reference token: {@code ~} as {@code ~0}, {@code /} as {@code ~1} (RFC 6901). */
    static String token(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    /** One object's defaulting: a working copy that each change is applied to, so later steps see earlier ones. */
    private static final class Run {
        final ObjectNode doc;
        final DefaultSettings s;
        final Resource resource;
        final List<Change> out = new ArrayList<>();

        Run(ObjectNode doc, DefaultSettings s, Resource resource) {
            this.doc = doc;
            this.s = s;
            this.resource = resource;
        }

        /** Records and applies one change: add when the member is absent, replace when present (even null). */
        void set(ObjectNode parent, String key, JsonNode value, String parentPointer, String field, Code code,
                 String message) {
            JsonNode old = parent.get(key);
            out.add(new Change(code, field, old == null ? "add" : "replace", parentPointer + "/" + token(key),
                    value.deepCopy(), old == null ? null : old.deepCopy(), message));
            parent.set(key, value.deepCopy());
        }

        // ------------------------------------------------------------ Gateway

        void gateway() {
            JsonNode servers = doc.path("spec").path("servers");
            if (!servers.isArray()) {
                return;
            }
            Set<String> portNames = new HashSet<>();
            for (JsonNode server : servers) {
                String name = text(server.path("port").path("name"));
                if (name != null && !name.isEmpty()) {
                    portNames.add(name);
                }
            }
            for (int i = 0; i < servers.size(); i++) {
                if (servers.get(i) instanceof ObjectNode server) {
                    String pointer = "/spec/servers/" + i;
                    String field = "spec.servers[" + i + "]";
                    if (s.portNames()) {
                        portName(server, pointer, field, portNames);
                    }
                    if (s.lowercaseHosts()) {
                        lowercase(server.get("hosts"), pointer + "/hosts", field + ".hosts");
                    }
                    serverTls(server, pointer, field);
                }
            }
        }

        /** MUT904: {@code <protocol>-<number>}, made unique within the Gateway with -2, -3, ... */
        void portName(ObjectNode server, String pointer, String field, Set<String> taken) {
            if (!(server.get("port") instanceof ObjectNode port)) {
                return;
            }
            JsonNode name = port.get("name");
            if (name != null && !name.isNull() && !(name.isTextual() && name.asText().isEmpty())) {
                return;
            }
            String protocol = text(port.path("protocol"));
            Integer number = portNumber(port.path("number"));
            if (ServerProtocol.parse(protocol) == null || number == null) {
                return;
            }
            String base = protocol.toLowerCase(Locale.ROOT) + "-" + number;
            String chosen = base;
            for (int k = 2; taken.contains(chosen); k++) {
                chosen = base + "-" + k;
            }
            taken.add(chosen);
            set(port, "name", TextNode.valueOf(chosen), pointer + "/port", field + ".port.name", Code.MUT904,
                    "set to " + quote(chosen) + (chosen.equals(base) ? "" : " (<protocol>-<number>, made unique in this Gateway)")
                            + " because the port had no name, which Istio requires for every server");
        }

        /** MUT901, MUT902, MUT903 on one server. */
        void serverTls(ObjectNode server, String pointer, String field) {
            ServerProtocol protocol = ServerProtocol.parse(text(server.path("port").path("protocol")));
            if (protocol == null || !protocol.carriesTls()) {
                return; // plain-text and opaque ports take no certificate (GW202, GW203)
            }
            String tlsPointer = pointer + "/tls";
            String tlsField = field + ".tls";
            JsonNode tlsNode = server.get("tls");
            if ((tlsNode == null || tlsNode.isNull()) && protocol == ServerProtocol.HTTPS && s.credentialName()) {
                // An HTTPS server terminates TLS: without a tls block Istio rejects it (GW201). Protocol TLS
                // could mean passthrough as well, so it is left to the user.
                String name = assignableName(server);
                if (name != null) {
                    ObjectNode tls = JSON.objectNode().put("mode", "SIMPLE").put("credentialName", name);
                    set(server, "tls", tls, pointer, tlsField, Code.MUT902, "added with mode SIMPLE and credentialName "
                            + quote(name) + " because an HTTPS server needs a certificate and none was given; "
                            + "Gatewarden provisions that secret in the gateway workload namespace");
                }
                tlsNode = server.get("tls");
            }
            if (!(tlsNode instanceof ObjectNode tls)) {
                return;
            }
            JsonNode modeNode = tls.get("mode");
            if (modeNode != null && !modeNode.isNull() && !modeNode.isTextual()) {
                return; // wrong type: GW204 reports it
            }
            String mode = upper(text(modeNode));
            List<String> sources = sources(tls);
            boolean clientVerification = present(tls.get("caCertificates")) || present(tls.get("caCrl"))
                    || present(tls.get("subjectAltNames"));
            if (mode.isEmpty() && s.tlsMode() && !sources.isEmpty() && !clientVerification) {
                // With client-verification fields MUTUAL may be meant: no one right answer, GW204 keeps asking.
                set(tls, "mode", TextNode.valueOf("SIMPLE"), tlsPointer, tlsField + ".mode", Code.MUT901,
                        "set to SIMPLE because " + isOrAre(sources) + " set (Istio would otherwise pass TLS "
                                + "through and ignore the certificate)");
                mode = "SIMPLE";
            }
            if (mode.equals("SIMPLE") && s.credentialName() && sources.isEmpty() && !clientVerification) {
                String name = assignableName(server);
                if (name != null) {
                    set(tls, "credentialName", TextNode.valueOf(name), tlsPointer, tlsField + ".credentialName",
                            Code.MUT902, "set to " + quote(name) + " because tls.mode is SIMPLE and no certificate "
                                    + "was given; Gatewarden provisions that secret in the gateway workload namespace");
                }
            }
            TlsMode terminating = TlsMode.parse(mode);
            if (terminating != null && terminating.terminates() && s.minProtocolVersion() != null) {
                minVersion(tls, tlsPointer, tlsField);
            }
        }

        /**
         * The name MUT902 would assign, or null when there is no stable one (no Gateway name, e.g.
         * generateName; no port name or number) or nothing to certify (no usable DNS name in hosts).
         */
        String assignableName(ObjectNode server) {
            String gateway = resource.name();
            JsonNode port = server.path("port");
            String portName = text(port.path("name"));
            Integer number = portNumber(port.path("number"));
            String portPart = portName != null && !portName.isEmpty() ? portName : number == null ? null : number.toString();
            if (gateway.isEmpty() || portPart == null || Demands.dnsNames(texts(server.path("hosts"))).isEmpty()) {
                return null;
            }
            return credentialName(resource.namespace(), gateway, portPart);
        }

        /** MUT903: unset, TLS_AUTO or below the floor becomes the floor, unless maxProtocolVersion is below it. */
        void minVersion(ObjectNode tls, String tlsPointer, String tlsField) {
            TlsVersion floor = s.minProtocolVersion();
            TlsVersion max = TlsVersion.parse(text(tls.get("maxProtocolVersion")));
            if (max != null && max.concrete() && max.compareTo(floor) < 0) {
                return; // raising min above max would make Envoy reject the listener (GW211)
            }
            JsonNode minNode = tls.get("minProtocolVersion");
            String setting = " (gatewarden.defaults.min-protocol-version)";
            if (minNode == null || minNode.isNull() || (minNode.isTextual() && minNode.asText().isEmpty())) {
                set(tls, "minProtocolVersion", TextNode.valueOf(floor.name()), tlsPointer, tlsField + ".minProtocolVersion",
                        Code.MUT903, "set to " + floor + ", the configured floor" + setting
                                + ", because it was unset and the minimum would depend on proxy defaults");
                return;
            }
            if (!minNode.isTextual()) {
                return;
            }
            TlsVersion min = TlsVersion.parse(minNode.asText());
            if (min == TlsVersion.TLS_AUTO || (min != null && min.compareTo(floor) < 0)) {
                set(tls, "minProtocolVersion", TextNode.valueOf(floor.name()), tlsPointer, tlsField + ".minProtocolVersion",
                        Code.MUT903, "raised from " + minNode.asText() + " to " + floor + ", the configured floor"
                                + setting + ": older TLS versions have known weaknesses");
            }
        }

        // ------------------------------------------------------------ VirtualService

        void virtualService() {
            if (s.lowercaseHosts()) {
                lowercase(doc.path("spec").get("hosts"), "/spec/hosts", "spec.hosts");
            }
        }

        /** MUT905 on an array of host strings; other elements are left alone. */
        void lowercase(JsonNode hosts, String pointer, String field) {
            if (!(hosts instanceof ArrayNode array)) {
                return;
            }
            for (int j = 0; j < array.size(); j++) {
                JsonNode h = array.get(j);
                if (!h.isTextual()) {
                    continue;
                }
                String lower = h.asText().toLowerCase(Locale.ROOT);
                if (!lower.equals(h.asText())) {
                    out.add(new Change(Code.MUT905, field + "[" + j + "]", "replace", pointer + "/" + j,
                            TextNode.valueOf(lower), h.deepCopy(), quote(h.asText()) + " lower-cased to "
                            + quote(lower) + ": host names are case-insensitive, and one spelling keeps host "
                            + "matching and certificates consistent"));
                    array.set(j, TextNode.valueOf(lower));
                }
            }
        }

        // ------------------------------------------------------------ DestinationRule

        void destinationRule() {
            if (!s.destinationRuleSni() || !(doc.get("spec") instanceof ObjectNode spec)) {
                return;
            }
            String host = text(spec.path("host"));
            if (host == null) {
                return;
            }
            String sni = host.toLowerCase(Locale.ROOT);
            // SNI carries a DNS name (RFC 6066): not a wildcard, an IP literal or a short service name.
            if (sni.contains("*") || !sni.contains(".") || IP_LITERAL.matcher(sni).matches()
                    || Hosts.dnsNameProblem(sni).isPresent()) {
                return;
            }
            trafficPolicy(spec.get("trafficPolicy"), "/spec/trafficPolicy", "spec.trafficPolicy", sni);
            if (spec.get("subsets") instanceof ArrayNode subsets) {
                for (int k = 0; k < subsets.size(); k++) {
                    trafficPolicy(subsets.get(k).get("trafficPolicy"), "/spec/subsets/" + k + "/trafficPolicy",
                            "spec.subsets[" + k + "].trafficPolicy", sni);
                }
            }
        }

        void trafficPolicy(JsonNode policy, String pointer, String field, String sni) {
            if (!(policy instanceof ObjectNode p)) {
                return;
            }
            originationSni(p.get("tls"), pointer + "/tls", field + ".tls", sni);
            if (p.get("portLevelSettings") instanceof ArrayNode ports) {
                for (int m = 0; m < ports.size(); m++) {
                    originationSni(ports.get(m).get("tls"), pointer + "/portLevelSettings/" + m + "/tls",
                            field + ".portLevelSettings[" + m + "].tls", sni);
                }
            }
        }

        /** MUT906. */
        void originationSni(JsonNode tlsNode, String pointer, String field, String sni) {
            if (!(tlsNode instanceof ObjectNode tls)) {
                return;
            }
            ClientTlsMode mode = ClientTlsMode.parse(text(tls.path("mode")));
            if (mode == null || !mode.originates()) {
                return;
            }
            JsonNode current = tls.get("sni");
            if (current == null || current.isNull() || (current.isTextual() && current.asText().isEmpty())) {
                set(tls, "sni", TextNode.valueOf(sni), pointer, field + ".sni", Code.MUT906, "set to " + quote(sni)
                        + " (spec.host) because TLS origination without SNI gets the server's default certificate "
                        + "or a failed handshake");
            }
        }

        // ------------------------------------------------------------ annotation

        /** MUT907: after any other change, record the codes applied (merged with earlier ones). */
        void annotation() {
            if (out.isEmpty() || !s.annotation() || !(doc.get("metadata") instanceof ObjectNode metadata)) {
                return;
            }
            JsonNode annotations = metadata.get("annotations");
            if (annotations != null && !annotations.isNull() && !annotations.isObject()) {
                return;
            }
            TreeSet<String> codes = new TreeSet<>();
            out.forEach(c -> codes.add(c.code().name()));
            JsonNode existing = annotations == null ? null : annotations.get(DEFAULTED_ANNOTATION);
            if (existing != null && existing.isTextual()) {
                for (String c : existing.asText().split(",")) {
                    if (!c.isBlank()) {
                        codes.add(c.strip());
                    }
                }
            }
            String value = String.join(",", codes);
            if (existing != null && existing.isTextual() && existing.asText().equals(value)) {
                return;
            }
            String field = "metadata.annotations[\"" + DEFAULTED_ANNOTATION + "\"]";
            String message = "set to " + quote(value) + " to record the defaults Gatewarden applied (opt out with "
                    + "annotation " + OPT_OUT_ANNOTATION + ": \"off\")";
            if (annotations instanceof ObjectNode a) {
                set(a, DEFAULTED_ANNOTATION, TextNode.valueOf(value), "/metadata/annotations", field, Code.MUT907, message);
            } else {
                set(metadata, "annotations", JSON.objectNode().put(DEFAULTED_ANNOTATION, value), "/metadata", field,
                        Code.MUT907, message);
            }
        }
    }

    // ---------------------------------------------------------------- reading raw JSON

    /** The text of a string node; null for anything else. */
    private static String text(JsonNode n) {
        return n != null && n.isTextual() ? n.asText() : null;
    }

    private static String upper(String s) {
        return s == null ? "" : s.toUpperCase(Locale.ROOT);
    }

    /** The string elements of an array. */
    private static List<String> texts(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n.isArray()) {
            n.forEach(e -> {
                if (e.isTextual()) {
                    out.add(e.asText());
                }
            });
        }
        return out;
    }

    /** A port number 0..65535, also as a numeric string (as the API server's int-or-string); else null. */
    private static Integer portNumber(JsonNode n) {
        Integer v = null;
        if (n.isIntegralNumber() && n.canConvertToInt()) {
            v = n.intValue();
        } else if (n.isTextual() && n.asText().matches("\\d{1,5}")) {
            v = Integer.parseInt(n.asText());
        }
        return v != null && v >= 0 && v <= 65535 ? v : null;
    }

    /** Set in the sense of the rules: not absent, null, "" or an empty list or object. */
    private static boolean present(JsonNode n) {
        return n != null && !n.isNull() && !(n.isTextual() && n.asText().isEmpty())
                && !(n.isContainerNode() && n.isEmpty());
    }

    /** The certificate sources set on a server's tls block, named as the user wrote them. */
    private static List<String> sources(ObjectNode tls) {
        List<String> sources = new ArrayList<>();
        for (String f : List.of("credentialName", "credentialNames", "serverCertificate", "privateKey", "tlsCertificates")) {
            if (present(tls.get(f))) {
                sources.add(f);
            }
        }
        return sources;
    }

    private static String isOrAre(List<String> fields) {
        if (fields.size() == 1) {
            return fields.get(0) + " is";
        }
        return String.join(", ", fields.subList(0, fields.size() - 1)) + " and " + fields.get(fields.size() - 1) + " are";
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }
}
