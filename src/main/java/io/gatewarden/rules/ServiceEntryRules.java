package io.gatewarden.rules;

import io.gatewarden.facts.Facts;
import io.gatewarden.facts.ServiceRegistry;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.diagnostics.Severity;
import io.gatewarden.model.Hosts;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.model.ServiceEntry;
import io.gatewarden.model.Visibility;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * EG601–EG605, EG610, EG612, EG613: ServiceEntries on their own and against each other.
 * <ul>
 *   <li>EG601 no hosts, or host {@code *}</li>
 *   <li>EG602 a host outside the GW103 grammar (no {@code ns/} prefix on a ServiceEntry); a partial
 *       wildcard ({@code *foo.com}), which Istio accepts, is a warning</li>
 *   <li>EG603 two ports share a name or a number</li>
 *   <li>EG604 resolution DNS / DNS_ROUND_ROBIN with a wildcard host and no endpoints</li>
 *   <li>EG605 a TCP (or protocol-less) port while spec.addresses is empty and Istio allocated none
 *       (status.addresses) (IST0134)</li>
 *   <li>EG610 a wildcard host on a MESH_EXTERNAL entry (broad egress); an error when the egress policy denies wildcards</li>
 *   <li>EG612 the same host and port declared with another protocol by another ServiceEntry visible in a
 *       namespace where this one is too (exportTo) (IST0177)</li>
 *   <li>EG613 port 443 declared HTTP, HTTP2 or gRPC (see {@link PlaintextPort443})</li>
 * </ul>
 * Every check is linear in the entry's hosts and ports; EG612 looks hosts up in an index of the stored
 * ServiceEntries built once per cluster state.
 */
public final class ServiceEntryRules implements Rule {
    private static final Set<String> DNS_RESOLUTIONS = Set.of("DNS", "DNS_ROUND_ROBIN");

    @Override
    public Kind kind() {
        return Kind.SERVICE_ENTRY;
    }

    @Override
    public Set<Code> codes() {
        return Set.of(Code.EG601, Code.EG602, Code.EG603, Code.EG604, Code.EG605, Code.EG610, Code.EG612,
                Code.EG613);
    }

    @Override
    public Set<Kind> reads() {
        return Set.of(Kind.SERVICE_ENTRY, Kind.SERVICE, Kind.CONFIG_MAP);
    }

    @Override
    public void check(Resource resource, Facts facts, List<Diagnostic> out) {
        ServiceEntry se = facts.serviceEntry(resource);
        out.addAll(se.shapeErrors());
        hosts(se, facts, out);
        ports(se, out);
        resolution(se, out);
        conflicts(se, facts, out);
    }

    /** EG601, EG602, EG610. */
    private static void hosts(ServiceEntry se, Facts facts, List<Diagnostic> out) {
        Resource r = se.resource();
        if (se.hosts().isEmpty() && !se.hostsMalformed()) {
            out.add(Diagnostic.of(Code.EG601, r, "spec.hosts", "the ServiceEntry has no hosts, so it declares "
                    + "nothing and Istio rejects it: list the external host names in spec.hosts (api.example.com)"));
        }
        Boolean denied = null;
        for (ServiceEntry.Host h : se.hosts()) {
            if (h.value().equals("*")) {
                out.add(Diagnostic.of(Code.EG601, r, h.path(), "host \"*\" would stand for every host there is "
                        + "and is not allowed: list the external hosts the workloads need (api.example.com), or "
                        + "at most one domain's names (*.example.com)"));
                continue;
            }
            Optional<HostProblem> problem = hostProblem(h.value());
            if (problem.isPresent()) {
                Diagnostic d = Diagnostic.of(Code.EG602, r, h.path(), problem.get().message());
                out.add(problem.get().partialWildcard() ? d.withSeverity(Severity.WARNING) : d);
                if (!problem.get().partialWildcard()) {
                    continue;
                }
            }
            if (h.wildcard() && se.meshExternal()) {
                if (denied == null) {
                    denied = facts.policy().egress().denyWildcardHosts();
                }
                out.add(broadEgress(r, h, denied));
            }
        }
    }

    /** What is wrong with a ServiceEntry host other than {@code *}, if anything. */
    record HostProblem(String message, boolean partialWildcard) {
    }

    /**
     * The GW103 host grammar without the {@code ns/} prefix. A partial wildcard ({@code *foo.com},
     * {@code *-foo.com}), which Istio's validation accepts, is reported as such when the rest is valid.
     */
    static Optional<HostProblem> hostProblem(String host) {
        String quoted = "host \"" + host + "\"";
        if (host.isEmpty()) {
            return Optional.of(new HostProblem("host is empty: remove it, or write the external host name "
                    + "(api.example.com)", false));
        }
        if (host.contains("/")) {
            return Optional.of(new HostProblem(quoted + " has a '/': ServiceEntry hosts take no namespace/ prefix "
                    + "(spec.exportTo controls where the entry is visible); write the DNS name alone", false));
        }
        if (host.startsWith("*") && !host.startsWith("*.")) {
            // Istio allows *foo and *-foo as a first label: check the rest as if the '*' were a letter.
            Optional<String> rest = Hosts.dnsNameProblem("x" + host.substring(1));
            if (rest.isPresent()) {
                return Optional.of(new HostProblem(quoted + " is not a valid host: " + rest.get(), false));
            }
            String suffix = host.substring(1);
            return Optional.of(new HostProblem(quoted + " is a partial wildcard: Istio matches every name ending in \""
                    + suffix + "\", including unrelated domains such as x" + suffix
                    + "; use a whole leading label (*." + (suffix.startsWith("-") || suffix.startsWith(".")
                    ? suffix.substring(1) : suffix) + ") or list the exact hosts", true));
        }
        return Hosts.dnsNameProblem(host).map(p -> new HostProblem(quoted + " is not a valid host: " + p, false));
    }

    /** EG610. */
    private static Diagnostic broadEgress(Resource r, ServiceEntry.Host h, boolean denied) {
        String v = h.normalized();
        String reach;
        String example;
        if (v.startsWith("*.")) {
            String base = v.substring(2);
            reach = base.contains(".") ? "every name under " + base + ", not only the services the workloads need"
                    : "every ." + base + " domain on the internet";
            example = (base.contains(".") ? "api." + base : "api.example." + base);
        } else {
            String suffix = v.substring(1);
            reach = "every name ending in \"" + suffix + "\", such as x" + suffix + " and a." + suffix;
            example = "api" + (suffix.startsWith(".") || suffix.startsWith("-") ? "" : ".") + suffix;
        }
        String fix = "list the exact external hosts instead (for example " + example + ")";
        if (denied) {
            return Diagnostic.of(Code.EG610, r, h.path(), "wildcard host \"" + h.value() + "\" is denied by the "
                    + "egress policy: it lets the mesh reach " + reach + "; " + fix).withSeverity(Severity.ERROR);
        }
        return Diagnostic.of(Code.EG610, r, h.path(), "wildcard host \"" + h.value() + "\" lets the mesh reach "
                + reach + ": " + fix);
    }

    /** EG603, EG605. */
    private static void ports(ServiceEntry se, List<Diagnostic> out) {
        Resource r = se.resource();
        Map<String, ServiceEntry.Port> byName = new HashMap<>();
        Map<Integer, ServiceEntry.Port> byNumber = new HashMap<>();
        boolean noAddresses = se.addresses().isEmpty() && !se.addressesAllocated();
        for (ServiceEntry.Port p : se.ports()) {
            if (p.name() != null && !p.name().isEmpty()) {
                ServiceEntry.Port earlier = byName.putIfAbsent(p.name(), p);
                if (earlier != null) {
                    out.add(Diagnostic.of(Code.EG603, r, p.path() + ".name", "port name \"" + p.name()
                            + "\" is also used by " + earlier.path() + ": give each port a unique name"));
                }
            }
            if (p.number() != null) {
                ServiceEntry.Port earlier = byNumber.putIfAbsent(p.number(), p);
                if (earlier != null) {
                    out.add(Diagnostic.of(Code.EG603, r, p.path() + ".number", "port number " + p.number()
                            + " is also declared by " + earlier.path() + ": declare each port once, with one "
                            + "protocol and one name"));
                }
            }
            String protocol = p.protocolUpper();
            if (p.number() != null && p.number() == PlaintextPort443.HTTPS_PORT && PlaintextPort443.httpFamily(protocol)) {
                out.add(PlaintextPort443.finding(r, p.path() + ".protocol", protocol.toLowerCase(Locale.ROOT),
                        "protocol \"" + p.protocol() + "\""));
            }
            if (noAddresses && (protocol.isEmpty() || protocol.equals("TCP"))) {
                String port = p.number() == null ? "this port" : "port " + p.number();
                String what = protocol.isEmpty() ? port + " has no protocol (so it may be treated as TCP)"
                        : port + " is TCP";
                out.add(Diagnostic.of(Code.EG605, r, protocol.isEmpty() ? p.path() : p.path() + ".protocol",
                        what + " and spec.addresses is empty", ": without addresses the sidecar cannot tell this TCP "
                                + "traffic apart by IP, so it is mixed up with other TCP traffic on "
                                + (p.number() == null ? "the port" : "port " + p.number()),
                        "; add the service's IPs or CIDR ranges to spec.addresses, or use a protocol "
                                + "with host-based routing (HTTP, HTTPS or TLS)"));
            }
        }
    }

    /** EG604. */
    private static void resolution(ServiceEntry se, List<Diagnostic> out) {
        if (!DNS_RESOLUTIONS.contains(se.resolution()) || se.endpoints() > 0) {
            return;
        }
        for (ServiceEntry.Host h : se.hosts()) {
            if (h.wildcard()) {
                out.add(Diagnostic.of(Code.EG604, se.resource(), "spec.resolution", "resolution " + se.resolution()
                        + " cannot resolve the wildcard host \"" + h.value() + "\" (" + h.path()
                        + ") and there are no endpoints to send its traffic to: use resolution NONE for wildcard "
                        + "hosts, or list endpoints"));
                return;
            }
        }
    }

    /** EG612 (IST0177): one finding per port, naming the first other ServiceEntry that disagrees. */
    private static void conflicts(ServiceEntry se, Facts facts, List<Diagnostic> out) {
        if (se.ports().isEmpty() || se.hosts().isEmpty()) {
            return;
        }
        ServiceRegistry index = facts.stored(ServiceRegistry.DERIVATION);
        if (!index.hasServiceEntryPorts()) {
            return;
        }
        Resource r = se.resource();
        String self = r.namespace() + "/" + r.name();
        Visibility visibility = Visibility.exportTo(se.exportTo(), r.namespace());
        for (ServiceEntry.Port p : se.ports()) {
            if (p.number() == null) {
                continue;
            }
            String protocol = p.protocolUpper();
            ServiceRegistry.Declared other = null;
            String host = null;
            for (ServiceEntry.Host h : se.hosts()) {
                other = index.otherProtocol(h.normalized(), p.number(), protocol, self, visibility);
                if (other != null) {
                    host = h.value();
                    break;
                }
            }
            if (other == null) {
                continue;
            }
            out.add(Diagnostic.of(Code.EG612, r, protocol.isEmpty() ? p.path() : p.path() + ".protocol",
                    "host \"" + host + "\" port " + p.number() + " is declared " + shown(protocol) + " here but "
                            + shown(other.protocol()) + " by ServiceEntry " + other.ref() + " " + other.path(),
                    ": Istio uses only one of the declarations, so traffic may be handled as the wrong protocol",
                    "; declare the same protocol in both, or keep the host and port in one ServiceEntry"));
        }
    }

    private static String shown(String protocolUpper) {
        return protocolUpper.isEmpty() ? "without a protocol" : protocolUpper;
    }
}
