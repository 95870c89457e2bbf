package io.gatewarden.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A networking.istio.io ServiceEntry (v1alpha3, v1beta1 and v1 share one schema), read once from JSON.
 * Values of the wrong type become {@link #shapeErrors()} and are treated as absent: under EG601 for
 * hosts, addresses, exportTo and location, under EG603 for ports, under EG604 for resolution and
 * endpoints (all errors: the API server's schema would reject them).
 *
 * @param hosts          the string entries of {@code spec.hosts}, with their index (non-strings are skipped)
 * @param hostsMalformed {@code spec.hosts} is not a list, or holds entries that are not strings
 * @param addresses      {@code spec.addresses}, empty when absent
 * @param addressesAllocated {@code status.addresses} is not empty: Istio's DNS auto-allocation gave the hosts
 *                       addresses, which sidecars use like spec.addresses
 * @param ports          the port objects of {@code spec.ports}, with their index
 * @param location       upper-cased; MESH_EXTERNAL when unset (Istio's default)
 * @param resolution     upper-cased; NONE when unset (Istio's default)
 * @param endpoints      how many entries {@code spec.endpoints} has
 * @param exportTo       {@code spec.exportTo}, empty when absent (exported everywhere)
 */
public record ServiceEntry(Resource resource, List<Host> hosts, boolean hostsMalformed, List<String> addresses,
                           boolean addressesAllocated, List<Port> ports, String location, String resolution, int endpoints, List<String> exportTo,
                           List<Diagnostic> shapeErrors) {

    public static final String MESH_EXTERNAL = "MESH_EXTERNAL";
    public static final String NONE = "NONE";

    /** One host: its index in {@code spec.hosts}, its field path ({@code spec.hosts[2]}) and value as written. */
    public record Host(int index, String path, String value) {
        /** Lower-cased, without a trailing dot: how Istio compares host names. */
        public String normalized() {
            String s = value.toLowerCase(Locale.ROOT);
            return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
        }

        /** {@code *}, {@code *.example.com} or a partial wildcard such as {@code *foo.com}. */
        public boolean wildcard() {
            return value.startsWith("*");
        }
    }

    /**
     * One port. {@code path} is its field path ({@code spec.ports[1]}); absent values are null.
     */
    public record Port(int index, String path, Integer number, String protocol, String name) {
        /** Upper-cased protocol, "" when unset: Istio compares protocols case-insensitively. */
        public String protocolUpper() {
            return protocol == null ? "" : protocol.trim().toUpperCase(Locale.ROOT);
        }
    }

    /** Whether the hosts are outside the mesh: the default location. */
    public boolean meshExternal() {
        return MESH_EXTERNAL.equals(location);
    }

    public static ServiceEntry parse(Resource resource) {
        ShapeReader in = new ShapeReader(resource);
        JsonNode spec = resource.spec();

        List<Host> hosts = new ArrayList<>();
        boolean hostsMalformed = false;
        JsonNode hostsNode = spec.path("hosts");
        if (hostsNode.isArray()) {
            for (int i = 0; i < hostsNode.size(); i++) {
                JsonNode h = hostsNode.get(i);
                if (h.isTextual()) {
                    hosts.add(new Host(i, "spec.hosts[" + i + "]", h.asText()));
                } else {
                    hostsMalformed = true;
                    in.error(Code.EG601, "spec.hosts[" + i + "]", ShapeReader.describe(h) + " is not a host name");
                }
            }
        } else if (!hostsNode.isMissingNode() && !hostsNode.isNull()) {
            hostsMalformed = true;
            in.error(Code.EG601, "spec.hosts", ShapeReader.describe(hostsNode) + " is not a list of host names");
        }

        List<String> addresses = in.texts(spec, "addresses", "spec.addresses", Code.EG601);
        List<String> exportTo = in.texts(spec, "exportTo", "spec.exportTo", Code.EG601);

        List<Port> ports = new ArrayList<>();
        JsonNode portsNode = spec.path("ports");
        if (portsNode.isArray()) {
            for (int i = 0; i < portsNode.size(); i++) {
                String path = "spec.ports[" + i + "]";
                JsonNode p = portsNode.get(i);
                if (!p.isObject()) {
                    in.error(Code.EG603, path, ShapeReader.describe(p) + " is not a port object");
                    continue;
                }
                ports.add(new Port(i, path, in.integer(p, "number", path + ".number", Code.EG603),
                        in.text(p, "protocol", path + ".protocol", Code.EG603),
                        in.text(p, "name", path + ".name", Code.EG603)));
            }
        } else if (!portsNode.isMissingNode() && !portsNode.isNull()) {
            in.error(Code.EG603, "spec.ports", ShapeReader.describe(portsNode) + " is not a list of ports");
        }

        String location = in.text(spec, "location", "spec.location", Code.EG601);
        String resolution = in.text(spec, "resolution", "spec.resolution", Code.EG604);

        int endpoints = 0;
        JsonNode endpointsNode = spec.path("endpoints");
        if (endpointsNode.isArray()) {
            endpoints = endpointsNode.size();
        } else if (!endpointsNode.isMissingNode() && !endpointsNode.isNull()) {
            in.error(Code.EG604, "spec.endpoints", ShapeReader.describe(endpointsNode) + " is not a list of endpoints");
        }

        JsonNode allocated = resource.body().path("status").path("addresses");
        return new ServiceEntry(resource, List.copyOf(hosts), hostsMalformed,
                addresses == null ? List.of() : addresses, allocated.isArray() && !allocated.isEmpty(), List.copyOf(ports),
                upperOr(location, MESH_EXTERNAL), upperOr(resolution, NONE), endpoints,
                exportTo == null ? List.of() : exportTo, in.errors());
    }

    private static String upperOr(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value.trim().toUpperCase(Locale.ROOT);
    }
}
