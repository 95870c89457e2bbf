package io.gatewarden.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;

import java.util.ArrayList;
import java.util.List;

/**
 * A networking.istio.io VirtualService (v1alpha3, v1beta1 and v1 share one schema), read once from JSON:
 * the parts the cross-resource rules need (hosts, gateway bindings, route destinations), each with its
 * field path. Values of the wrong type become {@link #shapeErrors()} and are treated as absent, under the
 * code of the rule that reads the field: {@code spec.hosts} RT502, gateway references and {@code match}
 * RT501, {@code sniHosts} RT503, routes, destinations, mirrors and exportTo RT506, destination ports RT507.
 *
 * @param hosts       {@code spec.hosts} with their paths, empty when absent
 * @param gatewaysSet whether {@code spec.gateways} names at least one gateway; when not (absent or empty),
 *                    {@link #gateways()} is {@code ["mesh"]} with path {@code spec.gateways}, Istio's default
 * @param gateways    {@code spec.gateways} with their paths; never empty
 * @param exportTo    {@code spec.exportTo}, empty when absent (exported everywhere)
 */
public record VirtualService(Resource resource, List<Ref> hosts, boolean gatewaysSet, List<Ref> gateways,
                             List<String> exportTo, List<Route> http, List<Route> tls, List<Route> tcp,
                             List<Diagnostic> shapeErrors) {

    /** The reserved gateway name for the sidecars of the mesh. */
    public static final String MESH = "mesh";

    /** A string value and its field path ({@code spec.gateways[1]}, {@code spec.tls[0].match[0].sniHosts[2]}). */
    public record Ref(String path, String value) {
    }

    /**
     * One destination (of a route, or a mirror): its {@code host}, with path
     * {@code spec.http[0].route[1].destination.host}, and {@code port.number}, null when unset.
     */
    public record Destination(String path, String host, Integer port) {
        /** The path of {@code port.number} next to the host. */
        public String portPath() {
            return path.substring(0, path.length() - "host".length()) + "port.number";
        }
    }

    /**
     * One {@code match} entry: its gateways (empty when absent), for tls routes its sniHosts, and for http routes
     * what decides which requests it takes (RT510): the {@code uri} (null when absent), {@code ignoreUriCase},
     * and the names of its other conditions ({@code headers}, {@code method}, {@code port}, ...; a {@code uri}
     * that is not one string match counts as a condition too).
     */
    public record Match(String path, List<Ref> gateways, List<Ref> sniHosts, Uri uri, boolean ignoreUriCase,
                        List<String> conditions) {
    }

    /** A {@code uri} string match: {@code kind} is exact, prefix or regex. */
    public record Uri(String kind, String value) {
    }

    /** Fields of an http match that only name or scope it: they narrow no request on the gateway it applies to. */
    private static final java.util.Set<String> NOT_CONDITIONS = java.util.Set.of("name", "gateways", "uri",
            "ignoreUriCase", "statPrefix");

    /**
     * One entry of {@code spec.http}, {@code spec.tls} or {@code spec.tcp}.
     *
     * @param protocol "http", "tls" or "tcp"
     * @param mirrors  where http traffic is mirrored to ({@code mirror}, {@code mirrors[].destination}); empty otherwise
     */
    public record Route(String protocol, String path, List<Match> matches, List<Destination> destinations,
                        List<Destination> mirrors) {
    }

    /** Whether the top-level binding includes the mesh: explicitly or because no gateway is named. */
    public boolean boundToMesh() {
        return gateways.stream().anyMatch(g -> MESH.equals(g.value()));
    }

    /** Every route of every protocol, http first, then tls, then tcp. */
    public List<Route> routes() {
        List<Route> all = new ArrayList<>(http.size() + tls.size() + tcp.size());
        all.addAll(http);
        all.addAll(tls);
        all.addAll(tcp);
        return all;
    }

    /** The host names alone. */
    public List<String> hostNames() {
        return hosts.stream().map(Ref::value).toList();
    }

    public static VirtualService parse(Resource resource) {
        ShapeReader in = new ShapeReader(resource);
        JsonNode spec = resource.spec();
        List<Ref> hosts = refs(in, spec, "hosts", "spec.hosts", Code.RT502);
        List<Ref> gateways = refs(in, spec, "gateways", "spec.gateways", Code.RT501);
        boolean gatewaysSet = !gateways.isEmpty();
        if (!gatewaysSet) {
            gateways = List.of(new Ref("spec.gateways", MESH));
        }
        List<String> exportTo = in.texts(spec, "exportTo", "spec.exportTo", Code.RT506);
        return new VirtualService(resource, hosts, gatewaysSet, gateways, exportTo == null ? List.of() : exportTo,
                routes(in, spec, "http"), routes(in, spec, "tls"), routes(in, spec, "tcp"), in.errors());
    }

    /**
     * A list of strings with the path of each entry; wrong entries are recorded and skipped, so the
     * paths keep the original indexes.
     */
    private static List<Ref> refs(ShapeReader in, JsonNode parent, String field, String path, Code code) {
        JsonNode v = parent.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            in.error(code, path, ShapeReader.describe(v) + " is not a list");
            return List.of();
        }
        List<Ref> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            JsonNode item = v.get(i);
            if (item.isTextual()) {
                out.add(new Ref(path + "[" + i + "]", item.asText()));
            } else {
                in.error(code, path + "[" + i + "]", ShapeReader.describe(item) + ShapeReader.NOT_A_STRING);
            }
        }
        return List.copyOf(out);
    }

    private static List<Route> routes(ShapeReader in, JsonNode spec, String protocol) {
        JsonNode list = spec.path(protocol);
        String path = "spec." + protocol;
        if (list.isMissingNode() || list.isNull()) {
            return List.of();
        }
        if (!list.isArray()) {
            in.error(Code.RT506, path, ShapeReader.describe(list) + " is not a list of " + protocol + " routes");
            return List.of();
        }
        List<Route> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            JsonNode node = list.get(i);
            String routePath = path + "[" + i + "]";
            if (!node.isObject()) {
                in.error(Code.RT506, routePath, ShapeReader.describe(node) + " is not a route object");
                continue;
            }
            out.add(new Route(protocol, routePath, matches(in, node, routePath, protocol.equals("tls")),
                    destinations(in, node, routePath), protocol.equals("http") ? mirrors(in, node, routePath) : List.of()));
        }
        return List.copyOf(out);
    }

    private static List<Match> matches(ShapeReader in, JsonNode route, String routePath, boolean tls) {
        JsonNode list = route.path("match");
        String path = routePath + ".match";
        if (list.isMissingNode() || list.isNull()) {
            return List.of();
        }
        if (!list.isArray()) {
            in.error(Code.RT501, path, ShapeReader.describe(list) + " is not a list of match conditions");
            return List.of();
        }
        List<Match> out = new ArrayList<>(list.size());
        for (int j = 0; j < list.size(); j++) {
            JsonNode node = list.get(j);
            String matchPath = path + "[" + j + "]";
            if (!node.isObject()) {
                in.error(Code.RT501, matchPath, ShapeReader.describe(node) + " is not a match object");
                continue;
            }
            List<Ref> sni = tls ? refs(in, node, "sniHosts", matchPath + ".sniHosts", Code.RT503) : List.of();
            Uri uri = uri(node.path("uri"));
            List<String> conditions = new ArrayList<>();
            node.fieldNames().forEachRemaining(f -> {
                if (!NOT_CONDITIONS.contains(f) && !node.get(f).isNull()) {
                    conditions.add(f);
                }
            });
            if (uri == null && node.path("uri").isObject()) {
                conditions.add("uri");
            }
            out.add(new Match(matchPath, refs(in, node, "gateways", matchPath + ".gateways", Code.RT501), sni, uri,
                    node.path("ignoreUriCase").asBoolean(false), List.copyOf(conditions)));
        }
        return List.copyOf(out);
    }

    /** A {@code uri} holding exactly one string match, or null. */
    private static Uri uri(JsonNode uri) {
        if (!uri.isObject() || uri.size() != 1) {
            return null;
        }
        String kind = uri.fieldNames().next();
        JsonNode value = uri.get(kind);
        return value.isTextual() && java.util.Set.of("exact", "prefix", "regex").contains(kind)
                ? new Uri(kind, value.asText()) : null;
    }

    private static List<Destination> destinations(ShapeReader in, JsonNode route, String routePath) {
        JsonNode list = route.path("route");
        String path = routePath + ".route";
        if (list.isMissingNode() || list.isNull()) {
            return List.of();
        }
        if (!list.isArray()) {
            in.error(Code.RT506, path, ShapeReader.describe(list) + " is not a list of route destinations");
            return List.of();
        }
        List<Destination> out = new ArrayList<>(list.size());
        for (int k = 0; k < list.size(); k++) {
            JsonNode node = list.get(k);
            String weighted = path + "[" + k + "]";
            if (!node.isObject()) {
                in.error(Code.RT506, weighted, ShapeReader.describe(node) + " is not a route destination object");
                continue;
            }
            destination(in, node.path("destination"), weighted + ".destination", out);
        }
        return List.copyOf(out);
    }

    /** {@code mirror} (one destination) and {@code mirrors[].destination} of an http route. */
    private static List<Destination> mirrors(ShapeReader in, JsonNode route, String routePath) {
        List<Destination> out = new ArrayList<>();
        destination(in, route.path("mirror"), routePath + ".mirror", out);
        JsonNode list = route.path("mirrors");
        if (list.isArray()) {
            for (int k = 0; k < list.size(); k++) {
                String path = routePath + ".mirrors[" + k + "]";
                if (list.get(k).isObject()) {
                    destination(in, list.get(k).path("destination"), path + ".destination", out);
                } else {
                    in.error(Code.RT506, path, ShapeReader.describe(list.get(k)) + " is not a mirror object");
                }
            }
        } else if (!list.isMissingNode() && !list.isNull()) {
            in.error(Code.RT506, routePath + ".mirrors", ShapeReader.describe(list) + " is not a list of mirrors");
        }
        return List.copyOf(out);
    }

    /** A destination object with a host; absent ones are skipped, wrong ones recorded. */
    private static void destination(ShapeReader in, JsonNode destination, String destPath, List<Destination> out) {
        if (destination.isMissingNode() || destination.isNull()) {
            return;
        }
        if (!destination.isObject()) {
            in.error(Code.RT506, destPath, ShapeReader.describe(destination) + " is not a destination object");
            return;
        }
        String host = in.text(destination, "host", destPath + ".host", Code.RT506);
        Integer port = null;
        JsonNode portNode = destination.path("port");
        if (portNode.isObject()) {
            port = in.integer(portNode, "number", destPath + ".port.number", Code.RT507);
        } else if (!portNode.isMissingNode() && !portNode.isNull()) {
            in.error(Code.RT507, destPath + ".port", ShapeReader.describe(portNode) + " is not a port selector object");
        }
        if (host != null && !host.isEmpty()) {
            out.add(new Destination(destPath + ".host", host, port));
        }
    }

    /**
     * Whether a gateway reference names a Gateway that istiod generates from a Kubernetes Gateway
     * ({@code ns/name~istio-autogenerated-k8s-gateway~listener}): it exists only inside istiod, never as an
     * object (Istio's {@code IsInternalGatewayReference}).
     */
    public static boolean generatedGatewayRef(String ref) {
        return ref.substring(ref.indexOf('/') + 1).contains("~istio-autogenerated-k8s-gateway~");
    }

    /**
     * Istio's resolution of a gateway reference: {@code ns/name}, {@code ./name} (own
     * namespace), the legacy {@code name.ns.svc.cluster.local} (or {@code name.ns}), else {@code name} in the
     * VirtualService's namespace.
     */
    public static NamespacedName gatewayRef(String ref, String vsNs) {
        int slash = ref.indexOf('/');
        if (slash >= 0) {
            String ns = ref.substring(0, slash);
            return new NamespacedName(ns.equals(".") ? vsNs : ns, ref.substring(slash + 1));
        }
        int dot = ref.indexOf('.');
        if (dot >= 0) {
            String rest = ref.substring(dot + 1);
            int next = rest.indexOf('.');
            return new NamespacedName(next < 0 ? rest : rest.substring(0, next), ref.substring(0, dot));
        }
        return new NamespacedName(vsNs, ref);
    }

}
