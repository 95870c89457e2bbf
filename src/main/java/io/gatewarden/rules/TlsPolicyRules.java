package io.gatewarden.rules;

import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.facts.Facts;
import io.gatewarden.facts.GatewayIndex;
import io.gatewarden.facts.WorkloadSelection;
import io.gatewarden.model.HostSet;
import io.gatewarden.model.Hosts;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.model.ServerProtocol;
import io.gatewarden.model.TlsMode;
import io.gatewarden.model.TlsVersion;
import io.gatewarden.policy.Policy;

import java.util.List;
import java.util.Set;

/**
 * The organisation's TLS policy on Istio Gateway servers, each off unless the policy sets it:
 * <ul>
 *   <li>POL802 a server that terminates TLS allows a version below the floor ({@code minProtocolVersion}
 *       below it, or unset / TLS_AUTO, which Istio takes as TLSV1_2, when the floor is higher): what the
 *       mutating webhook's MUT903 would have raised, for objects that opted out of defaults or where the
 *       mutating webhook is not installed;</li>
 *   <li>POL803 a wildcard host on an HTTPS server (or a TLS server that terminates);</li>
 *   <li>POL805 a plain HTTP server for a host that an HTTPS server of this or another Gateway on the same
 *       workload also serves, without {@code tls.httpsRedirect}: that host stays reachable unencrypted.</li>
 * </ul>
 */
public final class TlsPolicyRules implements Rule {
    /** What Istio uses for a gateway server without minProtocolVersion (or TLS_AUTO). */
    static final TlsVersion ISTIO_DEFAULT_MIN = TlsVersion.TLSV1_2;

    @Override
    public Kind kind() {
        return Kind.ISTIO_GATEWAY;
    }

    @Override
    public Set<Code> codes() {
        return Set.of(Code.POL802, Code.POL803, Code.POL805);
    }

    @Override
    public Set<Kind> reads() {
        return Set.of(Kind.ISTIO_GATEWAY, Kind.CONFIG_MAP, Kind.POD, Kind.DEPLOYMENT, Kind.STATEFUL_SET, Kind.DAEMON_SET);
    }

    @Override
    public void check(Resource resource, Facts facts, List<Diagnostic> out) {
        Policy policy = facts.policy();
        if (policy.tlsFloor() == null && !policy.denyWildcardHttpsHosts() && !policy.requireHttpsRedirect()) {
            return;
        }
        IstioGateway gw = facts.gateway(resource);
        for (IstioGateway.Server s : gw.servers()) {
            if (s == null) {
                continue;
            }
            if (policy.tlsFloor() != null) {
                floor(gw, s, policy, out);
            }
            if (policy.denyWildcardHttpsHosts()) {
                wildcards(gw, s, policy, out);
            }
            if (policy.requireHttpsRedirect()) {
                redirect(gw, s, facts, out);
            }
        }
    }

    /** POL802. */
    private static void floor(IstioGateway gw, IstioGateway.Server s, Policy policy, List<Diagnostic> out) {
        if (s.tls() == null || s.tls().tlsMode() == null || !s.tls().tlsMode().terminates()) {
            return;
        }
        TlsVersion set = TlsVersion.parse(s.tls().minProtocolVersion());
        TlsVersion effective = set == null || !set.concrete() ? ISTIO_DEFAULT_MIN : set;
        if (effective.compareTo(policy.tlsFloor()) >= 0) {
            return;
        }
        String what = set == null || !set.concrete()
                ? "minProtocolVersion is " + (set == null ? "unset" : "TLS_AUTO") + " (Istio then allows " + effective + ")"
                : "minProtocolVersion " + set;
        out.add(Diagnostic.of(Code.POL802, gw.resource(), s.path() + ".tls.minProtocolVersion", what
                + ", below the policy floor " + policy.tlsFloor(), " (" + policy.configuredIn() + ")",
                ": set minProtocolVersion: " + policy.tlsFloor()));
    }

    /** POL803. */
    private static void wildcards(IstioGateway gw, IstioGateway.Server s, Policy policy, List<Diagnostic> out) {
        if (!servesHttps(s)) {
            return;
        }
        for (int j = 0; j < s.hosts().size(); j++) {
            String dns = Hosts.GatewayHost.parse(s.hosts().get(j)).dnsName();
            if (dns.startsWith("*")) {
                out.add(Diagnostic.of(Code.POL803, gw.resource(), s.path() + ".hosts[" + j + "]", "wildcard host \""
                        + s.hosts().get(j) + "\" on an HTTPS server", ", which the policy forbids: one certificate and "
                        + "route for every name below it (" + policy.configuredIn() + ")",
                        ": list the hosts the server answers for"));
            }
        }
    }

    /** POL805. */
    private static void redirect(IstioGateway gw, IstioGateway.Server s, Facts facts, List<Diagnostic> out) {
        ServerProtocol p = s.port() == null ? null : s.port().knownProtocol();
        if (p != ServerProtocol.HTTP || (s.tls() != null && s.tls().httpsRedirect())) {
            return;
        }
        GatewayIndex index = facts.stored(GatewayIndex.DERIVATION);
        WorkloadSelection selection = facts.stored(WorkloadSelection.DERIVATION);
        for (int j = 0; j < s.hosts().size(); j++) {
            String host = HostSet.norm(Hosts.GatewayHost.parse(s.hosts().get(j)).dnsName());
            String https = httpsServerFor(host, gw, index, selection);
            if (https != null) {
                out.add(Diagnostic.of(Code.POL805, gw.resource(), s.path() + ".hosts[" + j + "]", "host \""
                        + s.hosts().get(j) + "\" is served in plain HTTP here and in HTTPS by " + https,
                        ", so clients that type http:// stay unencrypted", ": set tls.httpsRedirect: true on this "
                                + "server"));
            }
        }
    }

    /** An HTTPS server for the host in this Gateway or another on an overlapping workload, described; or null. */
    private static String httpsServerFor(String host, IstioGateway gw, GatewayIndex index, WorkloadSelection selection) {
        for (IstioGateway.Server other : gw.servers()) {
            if (other != null && servesHttps(other) && other.hosts().stream()
                    .anyMatch(h -> Hosts.within(host, HostSet.norm(Hosts.GatewayHost.parse(h).dnsName())))) {
                return "this Gateway's " + other.path();
            }
        }
        for (GatewayIndex.ServerRef ref : index.httpsServers(host)) {
            if (!ref.gateway().resource().sameObject(gw.resource())
                    && selection.overlap(gw.selector(), ref.gateway().selector())) {
                Resource r = ref.gateway().resource();
                return "Gateway " + r.namespace() + "/" + r.name() + " " + ref.field();
            }
        }
        return null;
    }

    static boolean servesHttps(IstioGateway.Server s) {
        ServerProtocol p = s.port() == null ? null : s.port().knownProtocol();
        TlsMode mode = s.tls() == null ? null : s.tls().tlsMode();
        return p == ServerProtocol.HTTPS || (p == ServerProtocol.TLS && mode != null && mode.terminates());
    }
}
