package io.gatewarden.rules;

import io.gatewarden.facts.Facts;
import io.gatewarden.facts.GatewayIndex;
import io.gatewarden.facts.RoutesByGateway;
import io.gatewarden.facts.ServiceRegistry;
import io.gatewarden.model.HostSet;
import io.gatewarden.model.NamespacedName;
import com.fasterxml.jackson.databind.JsonNode;
import io.gatewarden.cluster.ServiceInfo;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.model.Hosts;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.model.ServerProtocol;
import io.gatewarden.model.TlsMode;
import io.gatewarden.model.VirtualService;
import io.gatewarden.model.Visibility;

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
 *   <li>RT509 bound to a gateway server that terminates TLS for its hosts, with tls routes but none for what
 *   comes out of the termination (http on HTTPS, tcp on TLS)</li>
 *   <li>RT510 an http route hidden by a route of another VirtualService merged before it on the same gateway and
 *   host (see {@link RouteShadowing})</li>
 *   <li>RT505 host {@code *} while bound to the mesh</li>
 *   <li>RT506 a route or mirror destination host that matches no Service and no ServiceEntry visible where the
 *       VirtualService applies (exportTo, as Istio's analyzer looks it up); short names are Services of the
 *       VirtualService's namespace, names with dots stand as written (Istio's name resolution)</li>
 *   <li>RT507 a destination port that the Service or ServiceEntry it names does not declare</li>
 * </ul>
 * Gateway references follow Istio: {@code name} (own namespace), {@code ns/name}, {@code ./name}, and the
 * legacy {@code name.ns[.svc.cluster.local]}. Host matching is indexed ({@link HostSet}), so a VirtualService
 * with many hosts against a Gateway with thousands of servers stays linear.
 */
public final class RouteRules implements Rule {
    @Override
    public Kind kind() {
        return Kind.VIRTUAL_SERVICE;
    }

    @Override
    public Set<Code> codes() {
        return Set.of(Code.RT501, Code.RT502, Code.RT503, Code.RT504, Code.RT505, Code.RT506, Code.RT507,
                Code.RT509, Code.RT510);
    }

    @Override
    public Set<Kind> reads() {
        return Set.of(Kind.VIRTUAL_SERVICE, Kind.ISTIO_GATEWAY, Kind.SERVICE, Kind.SERVICE_ENTRY);
    }

    @Override
    public void check(Resource resource, Facts facts, List<Diagnostic> out) {
        VirtualService vs = facts.virtualService(resource);
        out.addAll(vs.shapeErrors());
        Known known = new Known(facts.stored(GatewayIndex.DERIVATION), facts.stored(ServiceRegistry.DERIVATION),
                facts.stored(RoutesByGateway.DERIVATION));
        HostSet vsHosts = new HostSet(vs.hostNames());

        gatewayReferences(vs, known, vsHosts, out);
        sniHosts(vs, vsHosts, out);
        meshWildcard(vs, out);
        destinations(vs, known, out);
    }

    /** RT501 for every reference; RT502, RT504, RT509 and RT510 for the existing gateways of spec.gateways. */
    private static void gatewayReferences(VirtualService vs, Known known, HostSet vsHosts, List<Diagnostic> out) {
        if (vs.gatewaysSet()) {
            Set<NamespacedName> bound = new HashSet<>();
            for (VirtualService.Ref ref : vs.gateways()) {
                IstioGateway gw = resolve(vs, ref, known, out);
                if (gw != null && !vsHosts.isEmpty()) {
                    hostsMatch(vs, ref, gw, vsHosts, out);
                    passthrough(vs, ref, gw, vsHosts, out);
                    terminated(vs, ref, gw, vsHosts, out);
                    NamespacedName gwName = new NamespacedName(gw.resource().namespace(), gw.resource().name());
                    if (bound.add(gwName)) {
                        RouteShadowing.check(vs, gw, known.routes, out);
                    }
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
        if (VirtualService.MESH.equals(value) || VirtualService.generatedGatewayRef(value)) {
            return null; // the mesh, or a Gateway istiod generates (no object to find; Istio warns IST0165)
        }
        NamespacedName target = VirtualService.gatewayRef(value, vsNs);
        IstioGateway gw = known.gateways.gateway(target.namespace(), target.name());
        if (gw != null) {
            return gw;
        }
        StringBuilder msg = new StringBuilder("Gateway \"" + value + "\" not found: looked for Gateway ")
                .append(target);
        if (!value.contains("/") && !value.contains(".")) {
            msg.append(" (a name without namespace means the VirtualService's own namespace)");
        }
        TreeSet<String> elsewhere = new TreeSet<>(known.gateways.namespacesOf(target.name()));
        elsewhere.remove(target.namespace());
        if (!elsewhere.isEmpty()) {
            msg.append("; a Gateway of that name exists in namespace ").append(String.join(", ", Messages.limit(elsewhere)))
                    .append(": write it as ").append(elsewhere.first()).append('/').append(target.name());
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
                    + " only through " + ("[" + Messages.quoted(Messages.limit(hiddenMatches)) + "]") + ", which namespace " + vsNs + " may not use",
                    ", so its routes never attach", ": move the VirtualService to the host's namespace, or change "
                    + "the host's prefix to */"));
        } else {
            out.add(Diagnostic.of(Code.RT502, vs.resource(), ref.path(), "none of the hosts "
                    + ("[" + Messages.quoted(Messages.limit(vs.hostNames())) + "]") + " matches a host of " + gwRef
                    + (all.isEmpty() ? " (it has no server hosts)" : " (" + String.join(", ", Messages.limit(all)) + ")"),
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
            TlsMode mode = server.tls().tlsMode();
            if (mode == null || !mode.passthrough()) {
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

    /**
     * RT509, the mirror image of RT504: a server that terminates TLS hands on what was inside, HTTP on an HTTPS
     * server (routed by http routes) or a byte stream on a TLS server (routed by tcp routes); tls routes match
     * only before termination, on PASSTHROUGH servers, so they never apply here.
     */
    private static void terminated(VirtualService vs, VirtualService.Ref ref, IstioGateway gw, HostSet vsHosts,
                                   List<Diagnostic> out) {
        if (vs.tls().isEmpty()) {
            return;
        }
        String vsNs = vs.resource().namespace();
        String gwNs = gw.resource().namespace();
        for (IstioGateway.Server server : gw.servers()) {
            TlsMode mode = server == null || server.tls() == null ? null : server.tls().tlsMode();
            if (mode == null || !mode.terminates() || server.port() == null) {
                continue;
            }
            ServerProtocol protocol = server.port().knownProtocol();
            boolean http = protocol == ServerProtocol.HTTPS;
            if (!(http ? vs.http().isEmpty() : protocol == ServerProtocol.TLS && vs.tcp().isEmpty())) {
                continue;
            }
            for (String host : server.hosts()) {
                Hosts.GatewayHost gh = Hosts.GatewayHost.parse(host);
                if (gh.visibleFrom(vsNs, gwNs) && vsHosts.intersectsAny(gh.dnsName())) {
                    String where = "Gateway " + gwNs + "/" + gw.resource().name() + " " + server.path();
                    String why = http ? ", so the decrypted HTTP matches no route: Envoy answers 404 with response "
                            + "flag NR (no route)" : ", so the decrypted stream matches no tcp route: istiod logs "
                            + "\"listener missed network filter\" and connections are closed";
                    String fix = ": route it with " + (http ? "http" : "tcp") + " routes, or set the server's "
                            + "tls.mode to PASSTHROUGH to keep the tls routes";
                    out.add(Diagnostic.of(Code.RT509, vs.resource(), ref.path(), where + " terminates TLS (tls.mode "
                            + mode + ") for host \"" + host + "\", but this VirtualService has only tls routes, which "
                            + "match before termination (PASSTHROUGH)" + why + fix)
                            .withBrief("only tls routes, but " + where + " terminates TLS for \"" + host + "\" ("
                                    + (http ? "404 NR" : "connections closed") + ")" + fix));
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
                                + "\" is not within the VirtualService hosts [" + Messages.quoted(Messages.limit(vs.hostNames())) + "]"
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

    /** RT506 and RT507, for route and mirror destinations, looked up where the VirtualService applies. */
    private static void destinations(VirtualService vs, Known known, List<Diagnostic> out) {
        String vsNs = vs.resource().namespace();
        Visibility from = Visibility.routesOf(vs.exportTo(), vsNs);
        for (VirtualService.Route route : vs.routes()) {
            for (List<VirtualService.Destination> list : List.of(route.destinations(), route.mirrors())) {
                for (VirtualService.Destination d : list) {
                    String host = ServiceRegistry.qualifiedHost(d.host(), vsNs);
                    ServiceRegistry.Lookup found = known.registry.lookup(host, from);
                    if (!found.found()) {
                        out.add(unknownDestination(vs, d, host, from, found, known.registry));
                    } else if (d.port() != null && !found.ports().contains(d.port())) {
                        out.add(Diagnostic.of(Code.RT507, vs.resource(), d.portPath(), unknownPort(d, found)));
                    }
                }
            }
        }
    }

    /** RT506: what the host is taken for, where it was looked up, and the likeliest fix. */
    private static Diagnostic unknownDestination(VirtualService vs, VirtualService.Destination d, String host,
                                                 Visibility from, ServiceRegistry.Lookup found,
                                                 ServiceRegistry registry) {
        String vsNs = vs.resource().namespace();
        String named = "destination host \"" + d.host() + "\""
                + (host.equals(HostSet.norm(d.host())) ? "" : " (" + host + ")");
        String where = from.everywhere() ? "every namespace" : from.describe();
        String exported = from.scopes().equals(Set.of(vsNs)) ? "" : " (the VirtualService's exportTo)";
        if (!found.hidden().isEmpty()) {
            ServiceRegistry.Declaration h = found.hidden().get(0);
            return Diagnostic.of(Code.RT506, vs.resource(), d.path(), named + " is declared only by " + h.ref()
                            + ", not visible in " + where,
                    " where this route is looked up" + exported + ": it is exported to " + h.visibility().describe()
                            + " (" + (h.isService() ? "annotation " + Visibility.SERVICE_ANNOTATION : "spec.exportTo") + ")",
                    "; export it there, or route from a namespace that sees it");
        }
        String fact = named + " matches no Service or ServiceEntry";
        String visible = " visible from " + where + exported;
        String[] labels = host.split("\\.");
        if (!host.endsWith(Hosts.CLUSTER_SUFFIX) && labels.length >= 2 && labels.length <= 3
                && registry.serviceNamespaces(labels[0]).contains(labels[1])) {
            return Diagnostic.of(Code.RT506, vs.resource(), d.path(), fact, visible + "; Istio expands only names "
                    + "without dots, so this is not Service " + labels[1] + "/" + labels[0],
                    ": write " + labels[0] + "." + labels[1] + Hosts.CLUSTER_SUFFIX);
        }
        if (host.endsWith(Hosts.CLUSTER_SUFFIX) && labels.length == 5) {
            TreeSet<String> elsewhere = new TreeSet<>(registry.serviceNamespaces(labels[0]));
            elsewhere.remove(labels[1]);
            if (!elsewhere.isEmpty()) {
                return Diagnostic.of(Code.RT506, vs.resource(), d.path(), fact, visible + "; a Service " + labels[0]
                                + " exists in namespace " + String.join(", ", Messages.limit(elsewhere)),
                        ": write " + labels[0] + "." + elsewhere.first() + Hosts.CLUSTER_SUFFIX);
            }
            return Diagnostic.of(Code.RT506, vs.resource(), d.path(), fact, visible, ": create Service "
                    + labels[1] + "/" + labels[0] + ", correct the host, or declare it with a ServiceEntry");
        }
        return Diagnostic.of(Code.RT506, vs.resource(), d.path(), fact, visible,
                ": declare the external host with a ServiceEntry, or correct the host");
    }

    /** RT507's message. */
    private static String unknownPort(VirtualService.Destination d, ServiceRegistry.Lookup found) {
        ServiceRegistry.Declaration first = found.visible().get(0);
        TreeSet<Integer> ports = found.ports();
        return "port " + d.port() + " is not declared by " + first.ref()
                + (found.visible().size() > 1 ? " (or " + (found.visible().size() - 1) + " more)" : "")
                + (ports.isEmpty() ? ", which declares no ports" : " (ports: "
                + String.join(", ", Messages.limit(ports.stream().map(String::valueOf).toList())) + ")")
                + ", so nothing serves this route: use one of its ports, or add " + d.port() + " to the " + first.kind();
    }

    /** What exists, from the stored state's shared indexes: Gateways, Services and ServiceEntry hosts, routes. */
    private record Known(GatewayIndex gateways, ServiceRegistry registry, RoutesByGateway routes) {
    }
}
