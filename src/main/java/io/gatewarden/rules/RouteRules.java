package io.gatewarden.rules;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatewarden.cluster.ServiceInfo;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.model.Hosts;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.model.VirtualService;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * RT5xx: VirtualServices against the gateways they bind to and the services they route to.
 * <ul>
 *   <li>RT501 a gateway reference (spec.gateways, match[].gateways) to an Istio Gateway that does not exist</li>
 *   <li>RT502 none of the VirtualService hosts matches a host of a bound gateway visible from its namespace</li>
 *   <li>RT503 a tls match sniHost not within the VirtualService hosts</li>
 *   <li>RT504 bound to a gateway with a PASSTHROUGH server for its hosts, but no tls route</li>
 *   <li>RT505 host {@code *} while bound to the mesh</li>
 *   <li>RT506 a route destination host that matches no Service and no ServiceEntry</li>
 * </ul>
 * Gateway references follow Istio: {@code name} (own namespace), {@code ns/name}, {@code ./name}, and the
 * legacy {@code name.ns[.svc.cluster.local]}. Host matching is indexed ({@link HostSet}), so a VirtualService
 * with many hosts against a Gateway with thousands of servers stays linear.
 */
public final class RouteRules implements Rule {
    private static final String CLUSTER_SUFFIX = ".svc.cluster.local";

    @Override
    public Kind kind() {
        return Kind.VIRTUAL_SERVICE;
    }

    @Override
    public void check(Resource resource, Facts facts, List<Diagnostic> out) {
        VirtualService vs = VirtualService.parse(resource);
        out.addAll(vs.shapeErrors());
        Known known = facts.shared("RouteRules.known", () -> new Known(facts));
        HostSet vsHosts = new HostSet(vs.hostNames());

        gatewayReferences(vs, known, vsHosts, out);
        sniHosts(vs, vsHosts, out);
        meshWildcard(vs, out);
        destinations(vs, known, out);
    }

    /** RT501 for every reference; RT502 and RT504 for the existing gateways of spec.gateways. */
    private static void gatewayReferences(VirtualService vs, Known known, HostSet vsHosts, List<Diagnostic> out) {
        if (vs.gatewaysSet()) {
            for (VirtualService.Ref ref : vs.gateways()) {
                IstioGateway gw = resolve(vs, ref, known, out);
                if (gw != null && !vsHosts.isEmpty()) {
                    hostsMatch(vs, ref, gw, vsHosts, out);
                    passthrough(vs, ref, gw, vsHosts, out);
                }
            }
        }
        for (VirtualService.Route route : vs.routes()) {
            for (VirtualService.Match match : route.matches()) {
                for (VirtualService.Ref ref : match.gateways()) {
                    resolve(vs, ref, known, out);
                }
            }
        }
    }

    /** The Gateway a reference names, or null for mesh and for a missing Gateway (then RT501 is reported). */
    private static IstioGateway resolve(VirtualService vs, VirtualService.Ref ref, Known known, List<Diagnostic> out) {
        String vsNs = vs.resource().namespace();
        String value = ref.value();
        if (VirtualService.MESH.equals(value)) {
            return null;
        }
        String[] nsName = gatewayRef(value, vsNs);
        IstioGateway gw = known.gateways.get(nsName[0] + "/" + nsName[1]);
        if (gw != null) {
            return gw;
        }
        StringBuilder msg = new StringBuilder("Gateway \"" + value + "\" not found: looked for Gateway ")
                .append(nsName[0]).append('/').append(nsName[1]);
        if (!value.contains("/") && !value.contains(".")) {
            msg.append(" (a name without namespace means the VirtualService's own namespace)");
        }
        TreeSet<String> elsewhere = new TreeSet<>(known.gatewayNamespaces.getOrDefault(nsName[1], Set.of()));
        elsewhere.remove(nsName[0]);
        if (!elsewhere.isEmpty()) {
            msg.append("; a Gateway of that name exists in namespace ").append(String.join(", ", limit(elsewhere)))
                    .append(": write it as ").append(elsewhere.first()).append('/').append(nsName[1]);
        } else {
            msg.append("; create the Gateway, or correct the reference (namespace/name)");
        }
        out.add(Diagnostic.of(Code.RT501, vs.resource(), ref.path(), msg.toString()));
        return null;
    }

    /** RT502. */
    private static void hostsMatch(VirtualService vs, VirtualService.Ref ref, IstioGateway gw, HostSet vsHosts,
                                   List<Diagnostic> out) {
        String vsNs = vs.resource().namespace();
        String gwNs = gw.resource().namespace();
        Set<String> all = new LinkedHashSet<>();
        Set<String> hiddenMatches = new LinkedHashSet<>();
        for (IstioGateway.Server server : gw.servers()) {
            if (server == null) {
                continue;
            }
            for (String host : server.hosts()) {
                all.add(host);
                Hosts.GatewayHost gh = Hosts.GatewayHost.parse(host);
                if (vsHosts.intersectsAny(gh.dnsName())) {
                    if (gh.visibleFrom(vsNs, gwNs)) {
                        return;
                    }
                    hiddenMatches.add(host);
                }
            }
        }
        String gwRef = "Gateway " + gwNs + "/" + gw.resource().name();
        if (!hiddenMatches.isEmpty()) {
            out.add(Diagnostic.of(Code.RT502, vs.resource(), ref.path(), "the VirtualService hosts match " + gwRef
                    + " only through " + quoted(limit(hiddenMatches)) + ", which namespace " + vsNs + " may not use",
                    ", so its routes never attach", ": move the VirtualService to the host's namespace, or change "
                    + "the host's prefix to */"));
        } else {
            out.add(Diagnostic.of(Code.RT502, vs.resource(), ref.path(), "none of the hosts "
                    + quoted(limit(vs.hostNames())) + " matches a host of " + gwRef
                    + (all.isEmpty() ? " (it has no server hosts)" : " (" + String.join(", ", limit(all)) + ")"),
                    ", so its routes never attach to that gateway", ": add a matching host to the VirtualService, "
                    + "or add the host to a server of the Gateway"));
        }
    }

    /** RT504. */
    private static void passthrough(VirtualService vs, VirtualService.Ref ref, IstioGateway gw, HostSet vsHosts,
                                    List<Diagnostic> out) {
        if (!vs.tls().isEmpty()) {
            return;
        }
        String vsNs = vs.resource().namespace();
        String gwNs = gw.resource().namespace();
        for (IstioGateway.Server server : gw.servers()) {
            if (server == null || server.tls() == null) {
                continue;
            }
            String mode = server.tls().modeUpper();
            if (!"PASSTHROUGH".equals(mode) && !"AUTO_PASSTHROUGH".equals(mode)) {
                continue;
            }
            for (String host : server.hosts()) {
                Hosts.GatewayHost gh = Hosts.GatewayHost.parse(host);
                if (gh.visibleFrom(vsNs, gwNs) && vsHosts.intersectsAny(gh.dnsName())) {
                    String gwRef = "Gateway " + gwNs + "/" + gw.resource().name();
                    String fix = ": add a tls route matching sniHosts, or terminate TLS on the server (tls.mode SIMPLE "
                            + "with a credentialName)";
                    out.add(Diagnostic.of(Code.RT504, vs.resource(), ref.path(), gwRef + " " + server.path()
                            + " passes TLS through (tls.mode " + mode + ") for host \"" + host + "\", but this "
                            + "VirtualService has no tls routes, so that traffic is dropped" + fix)
                            .withBrief("no tls route for host \"" + host + "\", which " + gwRef + " passes through"
                                    + fix));
                    return;
                }
            }
        }
    }

    /** RT503. */
    private static void sniHosts(VirtualService vs, HostSet vsHosts, List<Diagnostic> out) {
        for (VirtualService.Route route : vs.tls()) {
            for (VirtualService.Match match : route.matches()) {
                for (VirtualService.Ref sni : match.sniHosts()) {
                    if (!vsHosts.coversAny(sni.value())) {
                        out.add(Diagnostic.of(Code.RT503, vs.resource(), sni.path(), "sniHost \"" + sni.value()
                                + "\" is not within the VirtualService hosts " + quoted(limit(vs.hostNames()))
                                + ", so this match never applies: add the host to spec.hosts, or correct the "
                                + "sniHost"));
                    }
                }
            }
        }
    }

    /** RT505. */
    private static void meshWildcard(VirtualService vs, List<Diagnostic> out) {
        if (!vs.boundToMesh()) {
            return;
        }
        for (VirtualService.Ref host : vs.hosts()) {
            if (host.value().equals("*")) {
                out.add(Diagnostic.of(Code.RT505, vs.resource(), host.path(), "host \"*\" is not allowed on a "
                        + "VirtualService bound to the mesh (" + (vs.gatewaysSet() ? "spec.gateways lists mesh"
                        : "spec.gateways is unset, so it defaults to mesh") + "): it would capture the traffic to "
                        + "every service; list the service hosts instead, or bind only to a gateway"));
            }
        }
    }

    /** RT506. */
    private static void destinations(VirtualService vs, Known known, List<Diagnostic> out) {
        String vsNs = vs.resource().namespace();
        for (VirtualService.Route route : vs.routes()) {
            for (VirtualService.Destination d : route.destinations()) {
                String host = norm(d.host());
                String[] svc = serviceRef(host, vsNs);
                if (svc != null && known.services.contains(svc[0] + "/" + svc[1])) {
                    continue;
                }
                String fqdn = svc == null ? null : svc[1] + "." + svc[0] + CLUSTER_SUFFIX;
                if (known.serviceEntryHosts.coversAny(host) || (fqdn != null && known.serviceEntryHosts.coversAny(fqdn))) {
                    continue;
                }
                StringBuilder msg = new StringBuilder("destination host \"" + d.host() + "\"");
                if (fqdn != null && !fqdn.equals(host)) {
                    msg.append(" (").append(fqdn).append(')');
                }
                msg.append(" matches no Service and no ServiceEntry host");
                TreeSet<String> elsewhere = svc == null ? new TreeSet<>()
                        : new TreeSet<>(known.serviceNamespaces.getOrDefault(svc[1], Set.of()));
                if (svc != null) {
                    elsewhere.remove(svc[0]);
                }
                if (!elsewhere.isEmpty()) {
                    msg.append("; a Service ").append(svc[1]).append(" exists in namespace ")
                            .append(String.join(", ", limit(elsewhere))).append(": write ")
                            .append(svc[1]).append('.').append(elsewhere.first()).append(CLUSTER_SUFFIX);
                } else if (svc != null) {
                    msg.append(": create Service ").append(svc[0]).append('/').append(svc[1])
                            .append(", correct the host, or declare it with a ServiceEntry");
                } else {
                    msg.append(": declare the external host with a ServiceEntry, or correct the host");
                }
                out.add(Diagnostic.of(Code.RT506, vs.resource(), d.path(), msg.toString()));
            }
        }
    }

    /**
     * The namespace and name of a Service a destination host stands for, or null when it is not a
     * Kubernetes service name: {@code svc}, {@code svc.ns}, {@code svc.ns.svc}, {@code svc.ns.svc.cluster.local}.
     */
    static String[] serviceRef(String host, String vsNs) {
        String[] parts = host.split("\\.", -1);
        for (String p : parts) {
            if (p.isEmpty() || p.equals("*")) {
                return null;
            }
        }
        if (parts.length == 1) {
            return new String[]{vsNs, parts[0]};
        }
        if (parts.length == 2 || (parts.length == 3 && parts[2].equals("svc"))
                || (parts.length == 5 && host.endsWith(CLUSTER_SUFFIX))) {
            return new String[]{parts[1], parts[0]};
        }
        return null;
    }

    /**
     * Istio's resolution of a gateway reference to {namespace, name}: {@code ns/name}, {@code ./name} (own
     * namespace), the legacy {@code name.ns.svc.cluster.local} (or {@code name.ns}), else {@code name} in the
     * VirtualService's namespace.
     */
    static String[] gatewayRef(String ref, String vsNs) {
        int slash = ref.indexOf('/');
        if (slash >= 0) {
            String ns = ref.substring(0, slash);
            return new String[]{ns.equals(".") ? vsNs : ns, ref.substring(slash + 1)};
        }
        int dot = ref.indexOf('.');
        if (dot >= 0) {
            String rest = ref.substring(dot + 1);
            int next = rest.indexOf('.');
            return new String[]{next < 0 ? rest : rest.substring(0, next), ref.substring(0, dot)};
        }
        return new String[]{vsNs, ref};
    }

    private static String norm(String h) {
        String s = h.toLowerCase(Locale.ROOT);
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    private static String quoted(Collection<String> values) {
        List<String> q = new ArrayList<>();
        for (String v : values) {
            q.add(v.startsWith("and ") && v.endsWith(" more") ? v : "\"" + v + "\"");
        }
        return "[" + String.join(", ", q) + "]";
    }

    /** At most 5 values in a message, then a count. */
    private static List<String> limit(Collection<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            if (out.size() == 5) {
                out.add("and " + (values.size() - 5) + " more");
                break;
            }
            out.add(v);
        }
        return out;
    }

    /** What exists, indexed once per cluster state: Gateways by namespace/name, Services, ServiceEntry hosts. */
    private static final class Known {
        final Map<String, IstioGateway> gateways = new HashMap<>();
        final Map<String, Set<String>> gatewayNamespaces = new HashMap<>();
        final Set<String> services = new HashSet<>();
        final Map<String, Set<String>> serviceNamespaces = new HashMap<>();
        final HostSet serviceEntryHosts;

        Known(Facts facts) {
            for (IstioGateway gw : facts.storedGateways()) {
                Resource r = gw.resource();
                gateways.put(r.namespace() + "/" + r.name(), gw);
                gatewayNamespaces.computeIfAbsent(r.name(), k -> new HashSet<>()).add(r.namespace());
            }
            for (ServiceInfo s : facts.view().stored().services()) {
                services.add(s.namespace() + "/" + s.name());
                serviceNamespaces.computeIfAbsent(s.name(), k -> new HashSet<>()).add(s.namespace());
            }
            List<String> seHosts = new ArrayList<>();
            for (Resource se : facts.view().stored().resources(Kind.SERVICE_ENTRY)) {
                JsonNode hosts = se.spec().path("hosts");
                if (hosts.isArray()) {
                    for (JsonNode h : hosts) {
                        if (h.isTextual() && !h.asText().isEmpty()) {
                            seHosts.add(h.asText());
                        }
                    }
                }
            }
            serviceEntryHosts = new HostSet(seHosts);
        }
    }

    /**
     * A set of Istio host patterns answering {@link Hosts#within} and {@link Hosts#intersect} against all of
     * them at once, in time proportional to the queried name's labels rather than to the set's size.
     */
    static final class HostSet {
        private final Set<String> exact = new HashSet<>();
        /** S for every pattern {@code *.S}. */
        private final Set<String> wildcardBases = new HashSet<>();
        /** Every S such that some pattern lies strictly within {@code *.S}. */
        private final Set<String> innerSuffixes = new HashSet<>();
        private boolean star;

        HostSet(Collection<String> patterns) {
            for (String raw : patterns) {
                if (raw == null) {
                    continue;
                }
                String p = norm(raw);
                exact.add(p);
                if (p.equals("*")) {
                    star = true;
                    continue;
                }
                if (p.startsWith("*.")) {
                    wildcardBases.add(p.substring(2));
                }
                innerSuffixes.addAll(suffixes(p));
            }
        }

        boolean isEmpty() {
            return exact.isEmpty();
        }

        /** Whether {@code Hosts.within(host, p)} holds for some pattern p of the set. */
        boolean coversAny(String host) {
            String q = norm(host);
            if (star || exact.contains(q)) {
                return true;
            }
            if (q.equals("*")) {
                return false;
            }
            for (String s : suffixes(q)) {
                if (wildcardBases.contains(s)) {
                    return true;
                }
            }
            return false;
        }

        /** Whether {@code Hosts.intersect(host, p)} holds for some pattern p of the set. */
        boolean intersectsAny(String host) {
            String q = norm(host);
            if (q.equals("*")) {
                return !exact.isEmpty();
            }
            if (coversAny(q)) {
                return true;
            }
            return q.startsWith("*.") && innerSuffixes.contains(q.substring(2));
        }

        /**
         * Every S such that {@code name} lies strictly within {@code *.S}: what follows a dot that is not
         * the first character, after dropping a leading {@code *} of a {@code *.} wildcard.
         */
        private static List<String> suffixes(String name) {
            String h = name.startsWith("*.") ? name.substring(1) : name;
            List<String> out = new ArrayList<>();
            for (int i = h.indexOf('.', 1); i >= 0; i = h.indexOf('.', i + 1)) {
                out.add(h.substring(i + 1));
            }
            return out;
        }
    }
}
