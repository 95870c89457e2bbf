package io.gatewarden.rules;

import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.facts.RoutesByGateway;
import io.gatewarden.model.HostSet;
import io.gatewarden.model.Hosts;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.model.NamespacedName;
import io.gatewarden.model.ServerProtocol;
import io.gatewarden.model.TlsMode;
import io.gatewarden.model.VirtualService;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * RT510. VirtualServices bound to one Gateway for the same host share one Envoy route list, which istiod builds
 * from them in creation order (oldest first; a tie, creation times being in seconds, by name, then namespace):
 * each one's http routes in order, one Envoy route per match, then the catch-alls (no match, prefix "/" or regex
 * ".*", without header or query conditions) moved behind all the rest, keeping their order (route.SortVHostRoutes).
 * Envoy takes the first route that matches, so an earlier route without conditions whose path match covers a
 * route of a later VirtualService hides it; which one is "earlier" changes when either object is recreated.
 */
final class RouteShadowing {
    /** Match fields that become Envoy header or query matchers: Istio does not count such a route a catch-all. */
    private static final Set<String> HEADER_CONDITIONS = Set.of("headers", "queryParams", "method", "authority",
            "scheme", "withoutHeaders");
    /** Istio's order of the VirtualServices it merges; one not yet stored (under review) is the newest. */
    private static final Comparator<VirtualService> CREATION_ORDER = Comparator
            .comparing(RouteShadowing::created)
            .thenComparing(vs -> vs.resource().name())
            .thenComparing(vs -> vs.resource().namespace());

    private RouteShadowing() {
    }

    /** One Envoy route: a match of an http route ({@code match} null when the route has none). */
    private record Entry(VirtualService vs, VirtualService.Route route, VirtualService.Match match) {
        boolean catchAll() {
            if (match == null) {
                return true;
            }
            VirtualService.Uri u = match.uri();
            return match.conditions().stream().noneMatch(HEADER_CONDITIONS::contains)
                    && (u == null || isPrefixSlash(u) || (u.kind().equals("regex") && u.value().equals(".*")));
        }

        /** Whether this route takes every request {@code later} takes. */
        boolean covers(Entry later) {
            if (match != null && !match.conditions().isEmpty()) {
                return false;
            }
            VirtualService.Uri u = match == null ? null : match.uri();
            if (u == null || isPrefixSlash(u) || (u.kind().equals("regex") && u.value().equals(".*"))) {
                return true;
            }
            VirtualService.Uri v = later.match == null ? null : later.match.uri();
            if (u.kind().equals("regex") || v == null || v.kind().equals("regex")
                    || (later.match.ignoreUriCase() && !match.ignoreUriCase())) {
                return false;
            }
            String mine = match.ignoreUriCase() ? u.value().toLowerCase(Locale.ROOT) : u.value();
            String theirs = match.ignoreUriCase() ? v.value().toLowerCase(Locale.ROOT) : v.value();
            return u.kind().equals("prefix") ? theirs.startsWith(mine) : v.kind().equals("exact") && theirs.equals(mine);
        }

        String describe() {
            if (match == null) {
                return "no match";
            }
            VirtualService.Uri u = match.uri();
            String uri = u == null ? "any path" : "uri " + u.kind() + " " + u.value();
            return match.conditions().isEmpty() ? uri : uri + " with " + String.join(", ", match.conditions());
        }

        private static boolean isPrefixSlash(VirtualService.Uri u) {
            return u.kind().equals("prefix") && u.value().equals("/");
        }
    }

    /**
     * RT510 for the http routes of {@code vs} on {@code gw}, against the stored VirtualServices bound to it (its own
     * stored version excepted).
     */
    static void check(VirtualService vs, IstioGateway gw, RoutesByGateway bound, List<Diagnostic> out) {
        String gwNs = gw.resource().namespace();
        NamespacedName gwName = new NamespacedName(gwNs, gw.resource().name());
        if (vs.http().isEmpty() || bound.boundTo(gwName).isEmpty()) {
            return;
        }
        Set<String> reported = new HashSet<>();
        // An indexed host set skips, in one lookup, a server host the VirtualService has nothing on (big gateways).
        HostSet own = new HostSet(vs.hostNames());
        for (IstioGateway.Server server : gw.servers()) {
            if (!routesHttp(server)) {
                continue;
            }
            for (String serverHost : server.hosts()) {
                Hosts.GatewayHost gh = Hosts.GatewayHost.parse(serverHost);
                if (!own.intersectsAny(gh.dnsName())) {
                    continue;
                }
                for (String vhost : virtualHosts(vs, gh, gwNs)) {
                    List<VirtualService> merged = new ArrayList<>();
                    merged.add(vs);
                    for (VirtualService other : bound.mayRoute(gwName, vhost)) {
                        if (!other.resource().sameObject(vs.resource()) && virtualHosts(other, gh, gwNs).contains(vhost)) {
                            merged.add(other);
                        }
                    }
                    if (merged.size() > 1) {
                        merged.sort(CREATION_ORDER);
                        report(vs, gwName, vhost, envoyRoutes(merged, gwName), reported, out);
                    }
                }
            }
        }
    }

    /** The servers whose traffic http routes take: plain HTTP ones, and HTTPS that terminates TLS. */
    private static boolean routesHttp(IstioGateway.Server server) {
        if (server == null || server.port() == null || server.port().knownProtocol() == null) {
            return false;
        }
        ServerProtocol p = server.port().knownProtocol();
        TlsMode mode = server.tls() == null ? null : server.tls().tlsMode();
        return p.plainHttp() || (p == ServerProtocol.HTTPS && mode != null && mode.terminates());
    }

    /** The virtual host names a VirtualService gets on a server host: Istio's intersection, the narrower name. */
    private static Set<String> virtualHosts(VirtualService vs, Hosts.GatewayHost serverHost, String gwNs) {
        Set<String> out = new LinkedHashSet<>();
        if (!serverHost.visibleFrom(vs.resource().namespace(), gwNs)) {
            return out;
        }
        String dns = serverHost.dnsName();
        for (String host : vs.hostNames()) {
            if (Hosts.intersect(host, dns)) {
                out.add(HostSet.norm(Hosts.within(host, dns) ? host : dns));
            }
        }
        return out;
    }

    /** The merged route list Envoy gets, catch-alls last. */
    private static List<Entry> envoyRoutes(List<VirtualService> merged, NamespacedName gw) {
        List<Entry> routes = new ArrayList<>();
        List<Entry> catchAlls = new ArrayList<>();
        for (VirtualService v : merged) {
            for (VirtualService.Route route : v.http()) {
                List<Entry> entries = new ArrayList<>();
                if (route.matches().isEmpty()) {
                    entries.add(new Entry(v, route, null));
                }
                for (VirtualService.Match m : route.matches()) {
                    if (appliesTo(m, v, gw)) {
                        entries.add(new Entry(v, route, m));
                    }
                }
                for (Entry e : entries) {
                    (e.catchAll() ? catchAlls : routes).add(e);
                }
            }
        }
        routes.addAll(catchAlls);
        return routes;
    }

    /** A match naming gateways applies to those only (it overrides spec.gateways). */
    private static boolean appliesTo(VirtualService.Match m, VirtualService v, NamespacedName gw) {
        return m.gateways().isEmpty() || m.gateways().stream()
                .anyMatch(g -> VirtualService.gatewayRef(g.value(), v.resource().namespace()).equals(gw));
    }

    /**
     * RT510 on {@code vs}: for each of its routes hidden by another VirtualService's, and for each route of another
     * VirtualService that one of its routes hides (so an update of the older object is warned too).
     */
    private static void report(VirtualService vs, NamespacedName gw, String vhost, List<Entry> routes,
                               Set<String> reported, List<Diagnostic> out) {
        Set<VirtualService> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Entry e : routes) {
            if (!seen.add(e.vs())) {
                continue;
            }
            for (VirtualService.Route route : e.vs().http()) {
                Entry[] hidden = hidden(e.vs(), route, routes);
                if (hidden == null) {
                    continue;
                }
                Entry own = hidden[0];
                Entry by = hidden[1];
                if (e.vs() == vs && reported.add(route.path())) {
                    out.add(hiddenFinding(vs, route, own, by, gw, vhost));
                } else if (by.vs() == vs && reported.add(by.route().path() + " hides " + ref(own.vs()) + " "
                        + route.path())) {
                    out.add(hidesFinding(by, own, gw, vhost));
                }
            }
        }
    }

    /**
     * The first Envoy route of {@code route} and the route merged before it that covers it, when every Envoy route
     * of {@code route} is covered by one of another VirtualService merged before it; else null.
     */
    private static Entry[] hidden(VirtualService v, VirtualService.Route route, List<Entry> routes) {
        Entry[] first = null;
        for (int i = 0; i < routes.size(); i++) {
            Entry e = routes.get(i);
            if (e.vs() == v && e.route() == route) {
                Entry by = earlierCovering(routes, i);
                if (by == null) {
                    return null;
                }
                if (first == null) {
                    first = new Entry[] {e, by};
                }
            }
        }
        return first;
    }

    private static Entry earlierCovering(List<Entry> routes, int index) {
        Entry later = routes.get(index);
        for (int j = 0; j < index; j++) {
            Entry e = routes.get(j);
            if (e.vs() != later.vs() && e.covers(later)) {
                return e;
            }
        }
        return null;
    }

    private static String ref(VirtualService v) {
        return "VirtualService " + v.resource().namespace() + "/" + v.resource().name();
    }

    /** Why the order matters, said the same way on both sides. */
    private static final String ORDER_RULE = "; istiod merges the VirtualServices bound to one gateway for one host in "
            + "creation order (oldest first, a tie by name), moves catch-alls (no match, prefix /, regex .*) last, and "
            + "Envoy uses the first route that matches, so recreating either object can change which one wins";

    private static Diagnostic hiddenFinding(VirtualService vs, VirtualService.Route route, Entry own, Entry by,
                                            NamespacedName gw, String vhost) {
        String other = ref(by.vs());
        String fact = "this route (" + own.describe() + ") never matches host \"" + vhost + "\" on Gateway " + gw
                + ": " + other + " " + by.route().path() + " (" + by.describe() + ") comes first and takes its requests";
        String fix = ": move this route into " + other + " before that route, or narrow that route's match";
        return Diagnostic.of(Code.RT510, vs.resource(), route.path(), fact + ORDER_RULE + fix)
                .withBrief("hidden on host \"" + vhost + "\" by " + other + " " + by.route().path()
                        + ", merged first by creation order" + fix);
    }

    private static Diagnostic hidesFinding(Entry mine, Entry theirs, NamespacedName gw, String vhost) {
        String other = ref(theirs.vs());
        String fact = "this route (" + mine.describe() + ") comes first on host \"" + vhost + "\" of Gateway " + gw
                + " and takes every request of " + other + " " + theirs.route().path() + " (" + theirs.describe()
                + "), which then never matches";
        String fix = ": narrow this route's match, or move that route into this VirtualService before it";
        return Diagnostic.of(Code.RT510, mine.vs().resource(), mine.route().path(), fact + ORDER_RULE + fix)
                .withBrief("hides " + other + " " + theirs.route().path() + " on host \"" + vhost
                        + "\" (merged after it, creation order)" + fix);
    }

    /** metadata.creationTimestamp; absent (not stored yet, or a file) or unreadable: now, the newest. */
    private static Instant created(VirtualService vs) {
        String ts = vs.resource().body().path("metadata").path("creationTimestamp").asText("");
        try {
            return ts.isEmpty() ? Instant.MAX : Instant.parse(ts);
        } catch (DateTimeParseException e) {
            return Instant.MAX;
        }
    }
}
