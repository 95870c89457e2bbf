package io.gatewarden.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;

import java.util.ArrayList;
import java.util.List;

/**
 * A Gateway API route (HTTPRoute, GRPCRoute, TLSRoute, TCPRoute; every version reads alike), as far as
 * attachment and destinations go: its parents, hostnames and backends. Values of the wrong type become
 * {@link #shapeErrors()}: under GA706 for parentRefs and hostnames, GA708 for a parentRef's port,
 * GA709 for backendRefs.
 *
 * @param kind      which route kind
 * @param hostnames the string entries of {@code spec.hostnames}; empty (any host) for TCPRoute or when unset
 */
public record K8sRoute(Resource resource, Kind kind, List<ParentRef> parentRefs, List<String> hostnames,
                       List<BackendRef> backendRefs, List<Diagnostic> shapeErrors) {

    /**
     * One {@code spec.parentRefs} entry; absent values are null.
     *
     * @param path {@code spec.parentRefs[1]}
     */
    public record ParentRef(int index, String path, String group, String kind, String namespace, String name,
                            String sectionName, Integer port) {
        /** A Gateway API Gateway (the default group and kind); Services (mesh routes) and others are not. */
        public boolean isGateway() {
            return (group == null || group.equals(Kind.K8S_GATEWAY.group())) && (kind == null || kind.equals("Gateway"));
        }

        public String namespaceOr(String localNamespace) {
            return namespace == null || namespace.isEmpty() ? localNamespace : namespace;
        }

        /** A core Service: the route is a mesh (GAMMA) route for it. */
        public boolean isService() {
            return "Service".equals(kind) && (group == null || group.isEmpty());
        }
    }

    /**
     * A backend ({@code rules[].backendRefs[]}, or a request mirror's {@code backendRef}); absent values are null.
     *
     * @param path {@code spec.rules[0].backendRefs[1]}
     */
    public record BackendRef(String path, String group, String kind, String namespace, String name, Integer port) {
        /** A core Service (the default group and kind). */
        public boolean isService() {
            return (group == null || group.isEmpty() || group.equals("core")) && (kind == null || kind.equals("Service"));
        }

        public String namespaceOr(String localNamespace) {
            return namespace == null || namespace.isEmpty() ? localNamespace : namespace;
        }
    }

    public static K8sRoute parse(Resource resource) {
        ShapeReader in = new ShapeReader(resource);
        JsonNode spec = resource.spec();
        List<ParentRef> parents = new ArrayList<>();
        List<ShapeReader.Item> items = in.objects(spec, "parentRefs", "spec.parentRefs", Code.GA706);
        for (int i = 0; i < items.size(); i++) {
            JsonNode p = items.get(i).node();
            String path = items.get(i).path();
            parents.add(new ParentRef(K8sGateway.index(path), path, in.text(p, "group", path + ".group", Code.GA706),
                    in.text(p, "kind", path + ".kind", Code.GA706), in.text(p, "namespace", path + ".namespace", Code.GA706),
                    in.text(p, "name", path + ".name", Code.GA706),
                    in.text(p, "sectionName", path + ".sectionName", Code.GA706),
                    in.integer(p, "port", path + ".port", Code.GA708)));
        }
        List<String> hostnames = in.texts(spec, "hostnames", "spec.hostnames", Code.GA706);
        List<BackendRef> backends = new ArrayList<>();
        for (ShapeReader.Item rule : in.objects(spec, "rules", "spec.rules", Code.GA709)) {
            for (ShapeReader.Item b : in.objects(rule.node(), "backendRefs", rule.path() + ".backendRefs",
                    Code.GA709)) {
                backends.add(backend(in, b.node(), b.path()));
            }
            for (ShapeReader.Item f : in.objects(rule.node(), "filters", rule.path() + ".filters", Code.GA709)) {
                JsonNode mirror = f.node().path("requestMirror").path("backendRef");
                if (mirror.isObject()) {
                    backends.add(backend(in, mirror, f.path() + ".requestMirror.backendRef"));
                }
            }
        }
        return new K8sRoute(resource, Kind.of(resource), List.copyOf(parents),
                hostnames == null ? List.of() : List.copyOf(hostnames), List.copyOf(backends), in.errors());
    }

    private static BackendRef backend(ShapeReader in, JsonNode b, String path) {
        return new BackendRef(path, in.text(b, "group", path + ".group", Code.GA709),
                in.text(b, "kind", path + ".kind", Code.GA709), in.text(b, "namespace", path + ".namespace", Code.GA709),
                in.text(b, "name", path + ".name", Code.GA709), in.integer(b, "port", path + ".port", Code.GA709));
    }
}
