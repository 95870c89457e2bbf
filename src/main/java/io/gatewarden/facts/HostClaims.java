package io.gatewarden.facts;

import io.gatewarden.cluster.Derivation;
import io.gatewarden.diagnostics.ObjectRef;
import io.gatewarden.model.HostSet;
import io.gatewarden.model.Hosts;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.model.K8sGateway;
import io.gatewarden.model.K8sRoute;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.model.VirtualService;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Who claims which host at the gateways (POL801): Istio Gateway server hosts (for the namespace a
 * {@code ns/host} names, else the Gateway's own) and the hosts of VirtualServices bound to a gateway
 * (for their namespace), and in the Gateway API the hostnames of listeners and of routes attached to
 * a Gateway (for the namespace of the object naming them). Claims are ordered oldest first, by creation
 * time then namespace and name (an object without a creation time, one under review on CREATE, is the
 * newest). The stored claims are a derivation; {@link #of} gives an object's own claims, the same way.
 */
public final class HostClaims {
    /** The Gateway API route kinds that name hostnames (TCPRoute has none). */
    public static final Set<Kind> ROUTE_KINDS = Set.of(Kind.HTTP_ROUTE, Kind.GRPC_ROUTE, Kind.TLS_ROUTE);
    /** Every kind whose objects claim hosts. */
    public static final Set<Kind> CLAIMING = Set.of(Kind.ISTIO_GATEWAY, Kind.VIRTUAL_SERVICE, Kind.K8S_GATEWAY,
            Kind.HTTP_ROUTE, Kind.GRPC_ROUTE, Kind.TLS_ROUTE);
    public static final Derivation<HostClaims> DERIVATION = Derivation.of("host claims", CLAIMING, source -> {
        HostClaims c = new HostClaims();
        source.get(Parsed.GATEWAYS.stored()).list().forEach(g -> c.claims.addAll(of(g)));
        source.get(Parsed.VIRTUAL_SERVICES.stored()).list().forEach(v -> c.claims.addAll(of(v)));
        source.get(Parsed.K8S_GATEWAYS.stored()).list().forEach(g -> c.claims.addAll(of(g)));
        for (Kind k : ROUTE_KINDS) {
            source.get(Parsed.ROUTES.get(k).stored()).list().forEach(r -> c.claims.addAll(of(r)));
        }
        c.claims.sort(HostClaims.ORDER);
        return c;
    });

    /** Oldest first: creation time (none = newest), then namespace, name, field. */
    public static final Comparator<Claim> ORDER = Comparator
            .comparing((Claim c) -> c.created() == null ? Instant.MAX : c.created())
            .thenComparing(c -> c.by().namespace()).thenComparing(c -> c.by().name()).thenComparing(Claim::field);

    /**
     * One host claimed by one object.
     *
     * @param host      the host as an Istio pattern, lower-cased ({@code shop.example.com}, {@code *.example.com}, {@code *})
     * @param namespace the namespace that claims it
     * @param by        the object making the claim
     * @param field     where ({@code spec.servers[1].hosts[0]}, {@code spec.hosts[0]})
     * @param created   the object's creation time, null for none
     */
    public record Claim(String host, String namespace, ObjectRef by, String field, Instant created) {
        /** Whether two claims may take the same traffic: their patterns intersect. */
        public boolean overlaps(String otherHost) {
            return Hosts.intersect(host, otherHost);
        }
    }

    private final List<Claim> claims = new ArrayList<>();

    private HostClaims() {
    }

    /** Every stored claim, oldest first. */
    public List<Claim> all() {
        return claims;
    }

    /** A Gateway's claims: each server host, for the namespace of its {@code ns/} prefix or the Gateway's. */
    public static List<Claim> of(IstioGateway gw) {
        Resource r = gw.resource();
        List<Claim> out = new ArrayList<>();
        for (IstioGateway.Server s : gw.servers()) {
            if (s == null) {
                continue;
            }
            for (int j = 0; j < s.hosts().size(); j++) {
                Hosts.GatewayHost h = Hosts.GatewayHost.parse(s.hosts().get(j));
                String ns = h.namespace() == null || h.namespace().equals("*") || h.namespace().equals(".")
                        ? r.namespace() : h.namespace();
                if (!h.dnsName().isEmpty()) {
                    out.add(new Claim(HostSet.norm(h.dnsName()), ns, r.ref(), s.path() + ".hosts[" + j + "]", r.created()));
                }
            }
        }
        return out;
    }

    /** A VirtualService's claims, when it is bound to a gateway: its hosts that are DNS names or {@code *}. */
    public static List<Claim> of(VirtualService vs) {
        Resource r = vs.resource();
        if (vs.gateways().stream().noneMatch(g -> !VirtualService.MESH.equals(g.value()))) {
            return List.of();
        }
        List<Claim> out = new ArrayList<>();
        for (VirtualService.Ref h : vs.hosts()) {
            String host = HostSet.norm(h.value());
            if (host.equals("*") || host.contains(".")) {
                out.add(new Claim(host, r.namespace(), r.ref(), h.path(), r.created()));
            }
        }
        return out;
    }

    /**
     * A Gateway API Gateway's claims: each listener hostname that is set. A listener without one takes
     * whatever its routes name, so its routes' hostnames are the claims. A waypoint claims nothing.
     */
    public static List<Claim> of(K8sGateway gw) {
        Resource r = gw.resource();
        List<Claim> out = new ArrayList<>();
        if (gw.waypoint()) {
            return out;
        }
        for (K8sGateway.Listener l : gw.listeners()) {
            if (l != null && l.hostname() != null && !l.hostname().isEmpty()) {
                out.add(new Claim(HostSet.norm(l.hostname()), r.namespace(), r.ref(), l.path() + ".hostname", r.created()));
            }
        }
        return out;
    }

    /** A Gateway API route's claims, when it attaches to a Gateway: each of its hostnames. */
    public static List<Claim> of(K8sRoute route) {
        Resource r = route.resource();
        if (route.parentRefs().stream().noneMatch(K8sRoute.ParentRef::isGateway)) {
            return List.of();
        }
        List<Claim> out = new ArrayList<>();
        for (int i = 0; i < route.hostnames().size(); i++) {
            String h = route.hostnames().get(i);
            if (h != null && !h.isEmpty()) {
                out.add(new Claim(HostSet.norm(h), r.namespace(), r.ref(), "spec.hostnames[" + i + "]", r.created()));
            }
        }
        return out;
    }
}
