package io.gatewarden.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Kubernetes Gateway API Gateway ({@code gateway.networking.k8s.io}; v1 and v1beta1 share one schema,
 * and so does any other version), read once from JSON. Values of the wrong type become
 * {@link #shapeErrors()} under the code that judges the field and are treated as absent: GA708 for
 * the listeners, their names, ports, protocols and allowedRoutes (where routes attach), GA706 for
 * hostnames, GA701 for the tls block, its mode and options, GA703 for certificateRefs, GA705 for the
 * client CA refs, GA710 for addresses and GA711 for the class.
 *
 * @param gatewayClassName null when unset
 * @param listeners        one entry per object of {@code spec.listeners}
 * @param clientCaRefs     {@code spec.tls.frontend} validation refs: "default" and one entry per port
 */
public record K8sGateway(Resource resource, String gatewayClassName, List<Address> addresses, List<Listener> listeners,
                         Map<String, List<ObjectReference>> clientCaRefs, List<Diagnostic> shapeErrors) {

    /** The label Istio puts on the pods of a Gateway it deploys itself. */
    public static final String MANAGED_NAME_LABEL = "gateway.networking.k8s.io/gateway-name";
    /** The listener option choosing Istio's TLS termination mode (SIMPLE by default). */
    public static final String TERMINATE_MODE_OPTION = "gateway.istio.io/tls-terminate-mode";
    /** The class of ambient waypoints. */
    public static final String WAYPOINT_CLASS = "istio-waypoint";
    public static final String HTTPS = "HTTPS";
    public static final String TLS = "TLS";
    public static final String HBONE = "HBONE";
    public static final int HBONE_PORT = 15008;

    /** One {@code spec.addresses} entry; {@code type} null when unset. */
    public record Address(String type, String value) {
    }

    /**
     * A reference to an object ({@code certificateRefs} entry, client CA ref); absent values are null.
     *
     * @param path its field path, e.g. {@code spec.listeners[0].tls.certificateRefs[1]}
     */
    public record ObjectReference(String path, String group, String kind, String namespace, String name) {
        /** A core Secret: group "" (or "core", as Istio also accepts), kind Secret (the default). */
        public boolean isSecret() {
            return (group == null || group.isEmpty() || group.equals("core")) && (kind == null || kind.equals("Secret"));
        }

        /** {@code group/kind} as written, for messages: {@code core/Secret}, {@code cert-manager.io/Certificate}. */
        public String groupKind() {
            String g = group == null || group.isEmpty() ? "core" : group;
            return g + "/" + (kind == null ? "Secret" : kind);
        }

        /** The namespace it points into: its own, else {@code localNamespace}. */
        public String namespaceOr(String localNamespace) {
            return namespace == null || namespace.isEmpty() ? localNamespace : namespace;
        }
    }

    /**
     * A listener's {@code tls} block.
     *
     * @param mode            as written; null when unset (Terminate, the API's default)
     * @param certificateRefs the object entries of {@code certificateRefs}
     * @param options         the string entries of {@code options}
     */
    public record Tls(String path, String mode, List<ObjectReference> certificateRefs, Map<String, String> options) {
        public boolean terminate() {
            return mode == null || mode.equals("Terminate");
        }

        public boolean passthrough() {
            return "Passthrough".equals(mode);
        }

        /** {@link #TERMINATE_MODE_OPTION}, or null. */
        public String terminateMode() {
            return options.get(TERMINATE_MODE_OPTION);
        }

        /** ISTIO_SIMPLE or ISTIO_MUTUAL: Istio serves its own workload certificate, no certificateRefs needed. */
        public boolean builtinCertificate() {
            return builtinMode(terminateMode());
        }

        /** MUTUAL or OPTIONAL_MUTUAL through the Istio option: clients are verified against a CA. */
        public boolean verifiesClients() {
            String m = terminateMode();
            return "MUTUAL".equals(m) || "OPTIONAL_MUTUAL".equals(m);
        }
    }

    /** {@code allowedRoutes}: {@code from} Same (the default), All or Selector; kinds empty when unrestricted. */
    public record AllowedRoutes(String from, LabelSelector selector, List<RouteKind> kinds) {
        static final AllowedRoutes DEFAULT = new AllowedRoutes("Same", null, List.of());
    }

    /** A route kind by group (null: the Gateway API's) and kind. */
    public record RouteKind(String group, String kind) {
        public boolean is(Kind k) {
            return k.kind().equals(kind) && (group == null ? Kind.K8S_GATEWAY.group() : group).equals(k.group());
        }
    }

    /**
     * One listener; absent values are null ({@code hostname} null: any host). {@code path} is its field
     * path ({@code spec.listeners[1]}).
     */
    public record Listener(int index, String path, String name, String hostname, Integer port, String protocol, Tls tls,
                           AllowedRoutes allowedRoutes) {
        /** HTTPS, or TLS terminated at the gateway: a listener that needs a certificate. */
        public boolean terminatesTls() {
            return HTTPS.equals(protocol) || (TLS.equals(protocol) && tls != null && tls.terminate());
        }

        /** The {@code tls.certificateRefs}; empty without a tls block. */
        public List<ObjectReference> certificateRefs() {
            return tls == null ? List.of() : tls.certificateRefs();
        }

        /** The route kinds Istio lets attach for the protocol (and TLS mode) alone. */
        public List<Kind> supportedKinds() {
            if (protocol == null) {
                return List.of();
            }
            return switch (protocol) {
                case "HTTP", HTTPS -> List.of(Kind.HTTP_ROUTE, Kind.GRPC_ROUTE);
                case "TCP" -> List.of(Kind.TCP_ROUTE);
                case TLS -> tls != null && tls.terminate() ? List.of(Kind.TLS_ROUTE, Kind.TCP_ROUTE)
                        : List.of(Kind.TLS_ROUTE);
                default -> List.of();
            };
        }
    }

    /** Whether a {@link #TERMINATE_MODE_OPTION} value makes Istio serve its own workload certificate. */
    public static boolean builtinMode(String terminateMode) {
        return "ISTIO_SIMPLE".equals(terminateMode) || "ISTIO_MUTUAL".equals(terminateMode);
    }

    public boolean waypoint() {
        return WAYPOINT_CLASS.equals(gatewayClassName);
    }

    /**
     * Whether Istio deploys this Gateway itself (a Deployment and Service {@code <name>-<class>} in its
     * namespace, pods labelled {@link #MANAGED_NAME_LABEL}): no address, or a single IP address.
     */
    public boolean managed() {
        if (addresses.isEmpty()) {
            return true;
        }
        String type = addresses.get(0).type();
        return addresses.size() == 1 && (type == null || type.equals("IPAddress"));
    }

    /**
     * The Services an unmanaged Gateway names in {@code spec.addresses} (type Hostname): a short name is
     * in the Gateway's namespace, {@code name.ns.svc[.suffix]} in ns. External host names are skipped.
     */
    public List<NamespacedName> services() {
        if (managed()) {
            return List.of();
        }
        List<NamespacedName> out = new ArrayList<>();
        for (Address a : addresses) {
            if (a.value() == null || (a.type() != null && !a.type().equals("Hostname"))) {
                continue;
            }
            String[] parts = a.value().split("\\.");
            if (parts.length == 1) {
                out.add(new NamespacedName(resource.namespace(), parts[0]));
            } else if (parts.length >= 3 && parts[2].equals("svc")) {
                out.add(new NamespacedName(parts[1], parts[0]));
            }
        }
        return out;
    }

    /** The client CA refs that apply to a port: its own entry, else the default; empty when none. */
    public List<ObjectReference> clientCaRefs(Integer port) {
        List<ObjectReference> own = port == null ? null : clientCaRefs.get(String.valueOf(port));
        return own != null ? own : clientCaRefs.getOrDefault("default", List.of());
    }

    public static K8sGateway parse(Resource resource) {
        ShapeReader in = new ShapeReader(resource);
        JsonNode spec = resource.spec();
        String className = in.text(spec, "gatewayClassName", "spec.gatewayClassName", Code.GA711);
        List<Address> addresses = new ArrayList<>();
        for (ShapeReader.Item a : in.objects(spec, "addresses", "spec.addresses", Code.GA710)) {
            addresses.add(new Address(in.text(a.node(), "type", a.path() + ".type", Code.GA710),
                    in.text(a.node(), "value", a.path() + ".value", Code.GA710)));
        }
        List<Listener> listeners = new ArrayList<>();
        List<ShapeReader.Item> items = in.objects(spec, "listeners", "spec.listeners", Code.GA708);
        for (ShapeReader.Item l : items) {
            listeners.add(listener(in, l.node(), index(l.path()), l.path()));
        }
        return new K8sGateway(resource, className, List.copyOf(addresses), List.copyOf(listeners),
                clientCaRefs(in, spec.path("tls").path("frontend")), in.errors());
    }

    private static Listener listener(ShapeReader in, JsonNode l, int i, String path) {
        Tls tls = null;
        JsonNode t = l.path("tls");
        if (t.isObject()) {
            List<ObjectReference> refs = references(in, t, "certificateRefs", path + ".tls.certificateRefs", Code.GA703);
            Map<String, String> options = new LinkedHashMap<>();
            JsonNode o = t.path("options");
            if (o.isObject()) {
                o.fields().forEachRemaining(e -> {
                    if (e.getValue().isTextual()) {
                        options.put(e.getKey(), e.getValue().asText());
                    } else {
                        in.error(Code.GA701, path + ".tls.options[\"" + e.getKey() + "\"]",
                                ShapeReader.describe(e.getValue()) + ShapeReader.NOT_A_STRING);
                    }
                });
            } else if (!o.isMissingNode() && !o.isNull()) {
                in.error(Code.GA701, path + ".tls.options", ShapeReader.describe(o) + " is not a map of options");
            }
            tls = new Tls(path + ".tls", in.text(t, "mode", path + ".tls.mode", Code.GA701), refs, Map.copyOf(options));
        } else if (!t.isMissingNode() && !t.isNull()) {
            in.error(Code.GA701, path + ".tls", ShapeReader.describe(t) + " is not a tls settings object");
        }
        return new Listener(i, path, in.text(l, "name", path + ".name", Code.GA708),
                in.text(l, "hostname", path + ".hostname", Code.GA706),
                in.integer(l, "port", path + ".port", Code.GA708),
                in.text(l, "protocol", path + ".protocol", Code.GA708), tls,
                allowedRoutes(in, l.path("allowedRoutes"), path + ".allowedRoutes"));
    }

    private static AllowedRoutes allowedRoutes(ShapeReader in, JsonNode a, String path) {
        if (a.isMissingNode() || a.isNull()) {
            return AllowedRoutes.DEFAULT;
        }
        if (!a.isObject()) {
            in.error(Code.GA708, path, ShapeReader.describe(a) + " is not an allowedRoutes object");
            return AllowedRoutes.DEFAULT;
        }
        JsonNode ns = a.path("namespaces");
        String from = ns.isObject() ? in.text(ns, "from", path + ".namespaces.from", Code.GA708) : null;
        LabelSelector selector = ns.isObject()
                ? LabelSelector.parse(ns.path("selector"), in, path + ".namespaces.selector", Code.GA708) : null;
        List<RouteKind> kinds = new ArrayList<>();
        for (ShapeReader.Item k : in.objects(a, "kinds", path + ".kinds", Code.GA708)) {
            String kind = in.text(k.node(), "kind", k.path() + ".kind", Code.GA708);
            if (kind != null) {
                kinds.add(new RouteKind(in.text(k.node(), "group", k.path() + ".group", Code.GA708), kind));
            }
        }
        return new AllowedRoutes(from == null ? "Same" : from, selector, List.copyOf(kinds));
    }

    /** {@code spec.tls.frontend}: the default validation refs and those of each port (by port number). */
    private static Map<String, List<ObjectReference>> clientCaRefs(ShapeReader in, JsonNode frontend) {
        Map<String, List<ObjectReference>> out = new HashMap<>();
        String path = "spec.tls.frontend";
        if (!frontend.isObject()) {
            return Map.of();
        }
        JsonNode validation = frontend.path("default").path("validation");
        if (validation.isObject()) {
            out.put("default", references(in, validation, "caCertificateRefs",
                    path + ".default.validation.caCertificateRefs", Code.GA705));
        }
        JsonNode perPort = frontend.path("perPort");
        for (int i = 0; perPort.isArray() && i < perPort.size(); i++) {
            JsonNode p = perPort.get(i);
            Integer port = in.integer(p, "port", path + ".perPort[" + i + "].port", Code.GA705);
            JsonNode v = p.path("tls").path("validation");
            if (port != null && v.isObject()) {
                out.put(String.valueOf(port), references(in, v, "caCertificateRefs",
                        path + ".perPort[" + i + "].tls.validation.caCertificateRefs", Code.GA705));
            }
        }
        return Map.copyOf(out);
    }

    /** The index in a path ending in {@code [n]}. */
    static int index(String path) {
        return Integer.parseInt(path.substring(path.lastIndexOf('[') + 1, path.length() - 1));
    }

    /** The object entries of a list of references; other entries are recorded under {@code code}. */
    static List<ObjectReference> references(ShapeReader in, JsonNode parent, String field, String path, Code code) {
        List<ObjectReference> out = new ArrayList<>();
        for (ShapeReader.Item r : in.objects(parent, field, path, code)) {
            String p = r.path();
            out.add(new ObjectReference(p, in.text(r.node(), "group", p + ".group", code),
                    in.text(r.node(), "kind", p + ".kind", code), in.text(r.node(), "namespace", p + ".namespace", code),
                    in.text(r.node(), "name", p + ".name", code)));
        }
        return List.copyOf(out);
    }
}
