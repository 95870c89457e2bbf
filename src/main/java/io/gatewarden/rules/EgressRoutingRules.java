package io.gatewarden.rules;

import io.gatewarden.cluster.Derivation;
import io.gatewarden.facts.Exposure;
import io.gatewarden.facts.Facts;
import io.gatewarden.facts.Parsed;
import io.gatewarden.facts.ServiceRegistry;
import io.gatewarden.model.HostSet;
import io.gatewarden.model.Hosts;
import io.gatewarden.model.NamespacedName;
import com.fasterxml.jackson.databind.JsonNode;
import io.gatewarden.cluster.ServiceInfo;
import io.gatewarden.cluster.Workload;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.model.VirtualService;
import io.gatewarden.model.Visibility;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * EG611: egress routing through an egress gateway needs three pieces, and a VirtualService that holds one of
 * them is checked for the others:
 * <ol>
 *   <li>the mesh hop: a route applying at {@code mesh} that sends the external host to the egress gateway's
 *       Service, so sidecars hand the traffic to the gateway;</li>
 *   <li>the gateway hop: a route applying at the egress Gateway for that host, so the gateway sends it on;</li>
 *   <li>a ServiceEntry declaring the external host.</li>
 * </ol>
 * An <em>egress gateway service</em> is a Service selecting pods that some Istio Gateway selects; an
 * <em>external host</em> is a VirtualService host that is not a cluster service name. A VirtualService is
 * checked when (A) a route applying at the mesh sends its traffic to an egress gateway service, or (B) a route
 * applying at a Gateway whose pods such a Service selects sends one of its external hosts onward (destination
 * host within that host; an ingress route to an internal service is not onward). Everything is indexed once per
 * cluster state; the VirtualService under review replaces its stored version.
 */
public final class EgressRoutingRules implements Rule {
    private static final String MESH = VirtualService.MESH;
    /** Egress gateway services and every stored route's hops: rebuilt when any kind it reads changes. */
    private static final Derivation<Index> INDEX = Derivation.of("egress routing index",
            Derivation.kinds(Kind.WORKLOADS, Kind.ISTIO_GATEWAY, Kind.SERVICE, Kind.SERVICE_ENTRY,
                    Kind.VIRTUAL_SERVICE), Index::new);

    @Override
    public Kind kind() {
        return Kind.VIRTUAL_SERVICE;
    }

    @Override
    public Set<Code> codes() {
        return Set.of(Code.EG611);
    }

    @Override
    public Set<Kind> reads() {
        return Set.of(Kind.VIRTUAL_SERVICE, Kind.ISTIO_GATEWAY, Kind.SERVICE, Kind.SERVICE_ENTRY, Kind.POD, Kind.DEPLOYMENT, Kind.STATEFUL_SET, Kind.DAEMON_SET);
    }

    @Override
    public void check(Resource resource, Facts facts, List<Diagnostic> out) {
        Index idx = facts.stored(INDEX);
        if (idx.gatewayServices.isEmpty()) {
            return; // no egress gateway service at all: nothing can be incomplete
        }
        VirtualService vs = facts.virtualService(resource);
        String ns = resource.namespace();
        String self = ns + "/" + resource.name();
        Hops mine = idx.hops(vs);

        Map<String, String> hostPaths = new LinkedHashMap<>();
        for (VirtualService.Ref h : vs.hosts()) {
            hostPaths.putIfAbsent(norm(h.value()), h.path());
        }
        List<String> external = new ArrayList<>();
        for (String h : hostPaths.keySet()) {
            if (idx.isExternal(h, ns)) {
                external.add(h);
            }
        }
        if (external.isEmpty()) {
            return;
        }
        Set<String> involved = new LinkedHashSet<>();
        meshRoutes(vs, idx, mine, self, external, involved, out);
        gatewayRoutes(vs, idx, mine, self, hostPaths, involved, out);
        for (String h : involved) {
            if (!idx.declared(h, Visibility.routesOf(vs.exportTo(), ns))) {
                out.add(Diagnostic.of(Code.EG611, resource, hostPaths.get(h), "external host \"" + h + "\" is routed "
                        + "through an egress gateway, but no ServiceEntry visible here declares it", ", so Istio has no "
                        + "service for it (with outboundTrafficPolicy REGISTRY_ONLY the gateway cannot reach it)", ": add a "
                        + "ServiceEntry with hosts: [" + h + "], location: MESH_EXTERNAL and its ports"));
            }
        }
    }

    /** (A): mesh routes to an egress gateway service need a route at that gateway for each external host. */
    private static void meshRoutes(VirtualService vs, Index idx, Hops mine, String self, List<String> external,
                                   Set<String> involved, List<Diagnostic> out) {
        String ns = vs.resource().namespace();
        Set<String> seen = new HashSet<>();
        for (VirtualService.Route route : vs.routes()) {
            if (route.destinations().isEmpty() || !appliesAt(vs, route, MESH)) {
                continue;
            }
            for (VirtualService.Destination d : route.destinations()) {
                String svc = idx.serviceKey(d.host(), ns);
                TreeSet<String> gateways = svc == null ? null : idx.egressServices.get(svc);
                if (gateways == null || !seen.add(svc)) {
                    continue;
                }
                involved.addAll(external);
                List<String> missing = new ArrayList<>();
                for (String h : external) {
                    boolean routed = false;
                    for (String gw : gateways) {
                        if (idx.hasGatewayHop(gw, h, mine, self)) {
                            routed = true;
                            break;
                        }
                    }
                    if (!routed) {
                        missing.add(h);
                    }
                }
                if (missing.isEmpty()) {
                    continue;
                }
                List<String> refs = new ArrayList<>();
                List<String> names = new ArrayList<>();
                for (String gw : gateways) {
                    names.add("Gateway " + gw);
                    refs.add(relativeRef(gw, ns));
                }
                String ref = refs.get(0);
                String bound = "no VirtualService bound to " + String.join(" or ", Messages.limit(names));
                String fix = ": add a VirtualService bound to " + ref + " with a route to "
                        + (missing.size() == 1 ? missing.get(0) : "the external host");
                out.add(Diagnostic.of(Code.EG611, vs.resource(), d.path(), "sidecars send the traffic for "
                        + Messages.quoted(Messages.limit(missing)) + " to the egress gateway Service " + svc + ", but " + bound
                        + " has a route for " + (missing.size() == 1 ? "that host" : "these hosts") + ", so the egress "
                        + "gateway receives the traffic and has no route for it (the route must match gateways: ["
                        + ref + "])" + fix).withBrief(bound + " routes " + Messages.quoted(Messages.limit(missing)) + fix));
            }
        }
    }

    /** (B): routes at an egress Gateway sending an external host onward need a mesh route to the gateway. */
    private static void gatewayRoutes(VirtualService vs, Index idx, Hops mine, String self,
                                      Map<String, String> hostPaths, Set<String> involved, List<Diagnostic> out) {
        String ns = vs.resource().namespace();
        Map<String, Set<String>> missingByRef = new LinkedHashMap<>();
        Map<String, String> gatewayByRef = new HashMap<>();
        Set<String> checked = new HashSet<>();
        for (VirtualService.Route route : vs.routes()) {
            if (route.destinations().isEmpty()) {
                continue;
            }
            for (VirtualService.Ref ref : effectiveGateways(vs, route)) {
                if (MESH.equals(ref.value())) {
                    continue;
                }
                String gw = gatewayKey(ref.value(), ns);
                if (!idx.gatewayServices.containsKey(gw)) {
                    continue;
                }
                for (VirtualService.Destination d : route.destinations()) {
                    String dest = norm(d.host());
                    if (!idx.isExternal(dest, ns)) {
                        continue;
                    }
                    for (String c : candidates(dest)) {
                        if (!hostPaths.containsKey(c) || !idx.isExternal(c, ns)) {
                            continue;
                        }
                        involved.add(c);
                        if (!checked.add(ref.path() + " " + c)) {
                            continue;
                        }
                        if (!idx.hasMeshHop(c, mine, self)) {
                            missingByRef.computeIfAbsent(ref.path(), k -> new LinkedHashSet<>()).add(c);
                            gatewayByRef.putIfAbsent(ref.path(), gw);
                        }
                    }
                }
            }
        }
        boolean meshListed = vs.gatewaysSet() && vs.boundToMesh();
        for (Map.Entry<String, Set<String>> e : missingByRef.entrySet()) {
            String gw = gatewayByRef.get(e.getKey());
            String svc = idx.gatewayServices.get(gw).first();
            String[] svcNsName = svc.split("/", 2);
            String fqdn = svcNsName[1] + "." + svcNsName[0] + Hosts.CLUSTER_SUFFIX;
            Set<String> hosts = e.getValue();
            String fix = ": " + (meshListed ? "" : "add mesh to spec.gateways and ") + "add a route matching "
                    + "gateways: [mesh] with destination host " + fqdn;
            out.add(Diagnostic.of(Code.EG611, vs.resource(), e.getKey(), "routes " + Messages.quoted(Messages.limit(hosts))
                    + " onward at the egress Gateway " + gw + ", but no VirtualService bound to mesh sends "
                    + (hosts.size() == 1 ? "that host" : "these hosts") + " to an egress gateway Service, so "
                    + "sidecars send the traffic straight out, skipping the egress gateway (Service " + svc + ")" + fix)
                    .withBrief("no mesh route sends " + Messages.quoted(Messages.limit(hosts)) + " to an egress gateway Service" + fix));
        }
    }

    /** Whether a route applies to the named gateway ("mesh" or a resolved namespace/name). */
    private static boolean appliesAt(VirtualService vs, VirtualService.Route route, String gateway) {
        for (VirtualService.Ref ref : effectiveGateways(vs, route)) {
            if (gateway.equals(ref.value())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The gateways a route applies to, as Istio reads them: a match's own gateways replace spec.gateways
     * for that match; a route without match, or a match without gateways, uses spec.gateways (default mesh).
     */
    static List<VirtualService.Ref> effectiveGateways(VirtualService vs, VirtualService.Route route) {
        if (route.matches().isEmpty()) {
            return vs.gateways();
        }
        if (route.matches().size() == 1) {
            VirtualService.Match m = route.matches().get(0);
            return m.gateways().isEmpty() ? vs.gateways() : m.gateways();
        }
        List<VirtualService.Ref> all = new ArrayList<>();
        boolean top = false;
        for (VirtualService.Match m : route.matches()) {
            if (m.gateways().isEmpty()) {
                if (!top) {
                    all.addAll(vs.gateways());
                    top = true;
                }
            } else {
                all.addAll(m.gateways());
            }
        }
        return all;
    }

    /** {@code namespace/name} of a gateway reference ("mesh" stays "mesh"). */
    private static String gatewayKey(String ref, String vsNs) {
        if (MESH.equals(ref)) {
            return MESH;
        }
        return VirtualService.gatewayRef(ref, vsNs).toString();
    }

    private static String relativeRef(String gatewayKey, String vsNs) {
        int slash = gatewayKey.indexOf('/');
        return gatewayKey.substring(0, slash).equals(vsNs) ? gatewayKey.substring(slash + 1) : gatewayKey;
    }

    /** Every host pattern p such that {@code Hosts.within(host, p)}: itself, the wildcards above it, and "*". */
    static List<String> candidates(String host) {
        List<String> out = new ArrayList<>();
        out.add(host);
        if (host.equals("*")) {
            return out;
        }
        String s = host.startsWith("*.") ? host.substring(2) : host;
        for (int i = s.indexOf('.'); i >= 0; i = s.indexOf('.', i + 1)) {
            out.add("*." + s.substring(i + 1));
        }
        out.add("*");
        return out;
    }

    private static String norm(String h) {
        return HostSet.norm(h);
    }

    /** What one VirtualService contributes: hosts it sends from the mesh to an egress gateway, and gateway routes. */
    private record Hops(Set<String> meshHosts, Set<String> gatewayHops) {
    }

    /** Up to two distinct VirtualServices (namespace/name): enough to know whether one other than X exists. */
    private static final class Two {
        private String a;
        private String b;

        void add(String key) {
            if (a == null) {
                a = key;
            } else if (b == null && !a.equals(key)) {
                b = key;
            }
        }

        boolean anyOtherThan(String key) {
            return (a != null && !a.equals(key)) || (b != null && !b.equals(key));
        }
    }

    /** The stored state, indexed once: services, egress gateways, ServiceEntry hosts and the stored routes' hops. */
    private static final class Index {
        private final ServiceRegistry registry;
        /** Egress gateway service (namespace/name) → Gateways (namespace/name) whose pods it selects. */
        final Map<String, TreeSet<String>> egressServices = new HashMap<>();
        /** Gateway (namespace/name) → Services selecting its pods; only Gateways with at least one. */
        final Map<String, TreeSet<String>> gatewayServices = new HashMap<>();
        final Map<String, Two> meshHops = new HashMap<>();
        final Map<String, Two> gatewayHops = new HashMap<>();

        Index(Derivation.Source source) {
            registry = source.get(ServiceRegistry.DERIVATION);
            Exposure exposure = source.get(Exposure.DERIVATION);
            for (IstioGateway gw : source.get(Parsed.GATEWAYS.stored()).list()) {
                Map<String, String> selector = gw.selector();
                if (selector == null || selector.isEmpty()) {
                    continue;
                }
                TreeSet<String> svcs = new TreeSet<>();
                for (ServiceInfo s : exposure.servicesFor(selector)) {
                    svcs.add(s.namespace() + "/" + s.name());
                }
                if (svcs.isEmpty()) {
                    continue;
                }
                String key = gw.resource().namespace() + "/" + gw.resource().name();
                gatewayServices.put(key, svcs);
                for (String s : svcs) {
                    egressServices.computeIfAbsent(s, k -> new TreeSet<>()).add(key);
                }
            }
            if (gatewayServices.isEmpty()) {
                return;
            }
            for (VirtualService vs : source.get(Parsed.VIRTUAL_SERVICES.stored()).list()) {
                String key = vs.resource().namespace() + "/" + vs.resource().name();
                Hops h = hops(vs);
                for (String host : h.meshHosts()) {
                    meshHops.computeIfAbsent(host, k -> new Two()).add(key);
                }
                for (String hop : h.gatewayHops()) {
                    gatewayHops.computeIfAbsent(hop, k -> new Two()).add(key);
                }
            }
        }

        /** The Service (namespace/name) a destination host names, as Istio resolves it, or null when it names none. */
        String serviceKey(String host, String vsNs) {
            String fqdn = ServiceRegistry.qualifiedHost(host, vsNs);
            if (!fqdn.endsWith(Hosts.CLUSTER_SUFFIX)) {
                return null;
            }
            String[] labels = fqdn.split("\\.");
            return labels.length == 5 ? labels[1] + "/" + labels[0] : null;
        }

        /**
         * A VirtualService host clients call outside the cluster: not {@code *}, not a short name, not a
         * {@code .svc.cluster.local} name, not a name a known Service is called by ({@code svc.ns}).
         */
        boolean isExternal(String host, String vsNs) {
            if (host.isEmpty() || host.equals("*") || host.endsWith(Hosts.CLUSTER_SUFFIX) || host.endsWith(".svc")) {
                return false;
            }
            String bare = host.startsWith("*.") ? host.substring(2) : host;
            if (!bare.contains(".")) {
                return false;
            }
            NamespacedName svc = Hosts.serviceName(norm(host), vsNs);
            return svc == null || !registry.services().exists(svc);
        }

        /** Whether a ServiceEntry visible where the VirtualService applies declares the host (or a wildcard over it). */
        boolean declared(String host, Visibility from) {
            return registry.lookup(host, from).visible().stream().anyMatch(d -> !d.isService());
        }

        boolean hasMeshHop(String host, Hops mine, String self) {
            for (String c : candidates(host)) {
                if (mine.meshHosts().contains(c)) {
                    return true;
                }
                Two t = meshHops.get(c);
                if (t != null && t.anyOtherThan(self)) {
                    return true;
                }
            }
            return false;
        }

        boolean hasGatewayHop(String gateway, String host, Hops mine, String self) {
            for (String c : candidates(host)) {
                String key = gateway + " " + c;
                if (mine.gatewayHops().contains(key)) {
                    return true;
                }
                Two t = gatewayHops.get(key);
                if (t != null && t.anyOtherThan(self)) {
                    return true;
                }
            }
            return false;
        }

        /**
         * A VirtualService's hops: its hosts when a route applying at the mesh goes to an egress gateway
         * service; "gateway host" for every egress Gateway one of its routes applies at, times its hosts.
         */
        Hops hops(VirtualService vs) {
            String ns = vs.resource().namespace();
            boolean toEgress = false;
            Set<String> gateways = new LinkedHashSet<>();
            for (VirtualService.Route route : vs.routes()) {
                for (VirtualService.Ref ref : effectiveGateways(vs, route)) {
                    if (MESH.equals(ref.value())) {
                        if (!toEgress) {
                            for (VirtualService.Destination d : route.destinations()) {
                                String svc = serviceKey(d.host(), ns);
                                if (svc != null && egressServices.containsKey(svc)) {
                                    toEgress = true;
                                    break;
                                }
                            }
                        }
                    } else {
                        String gw = gatewayKey(ref.value(), ns);
                        if (gatewayServices.containsKey(gw)) {
                            gateways.add(gw);
                        }
                    }
                }
            }
            Set<String> mesh = new HashSet<>();
            Set<String> hops = new HashSet<>();
            for (VirtualService.Ref h : vs.hosts()) {
                String host = norm(h.value());
                if (toEgress) {
                    mesh.add(host);
                }
                for (String gw : gateways) {
                    hops.add(gw + " " + host);
                }
            }
            return new Hops(mesh, hops);
        }
    }
}
