package io.gatewarden.rules;

import io.gatewarden.facts.Facts;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.model.Hosts;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.model.IstioGateway.Port;
import io.gatewarden.model.IstioGateway.Server;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.model.ServerProtocol;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * GW101–GW109: the structure of an Istio Gateway (servers, hosts, ports, name), plus the type errors
 * found while parsing it ({@link IstioGateway#shapeErrors()}), which already carry the code of the
 * field they concern. Every loop is linear in the number of servers and hosts.
 */
public final class GatewayStructureRules implements Rule {
    private static final int MIN_PORT = 1;
    private static final int MAX_PORT = 65535;
    /** GW104: port 0 is allowed only for a server bound to a Unix domain socket. */
    private static final String UNIX_BIND = "unix://";
    private static final int MAX_LABEL = 63;
    private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    @Override
    public Kind kind() {
        return Kind.ISTIO_GATEWAY;
    }

    @Override
    public Set<Code> codes() {
        // Its own codes, and those of the fields whose wrong types the model's parse reports (emitted here).
        return Set.of(Code.GW101, Code.GW102, Code.GW103, Code.GW104, Code.GW105, Code.GW106, Code.GW107, Code.GW108,
                Code.GW109, Code.GW201, Code.GW204, Code.GW205, Code.GW207, Code.GW211, Code.GW213, Code.GW214,
                Code.GW215, Code.GW302);
    }

    @Override
    public Set<Kind> reads() {
        return Set.of(Kind.ISTIO_GATEWAY);
    }

    @Override
    public void check(Resource resource, Facts facts, List<Diagnostic> out) {
        IstioGateway gw = facts.gateway(resource);
        out.addAll(gw.shapeErrors());
        GatewayFindings f = new GatewayFindings(gw, out);
        name(resource, f);
        servers(gw, f);
        Map<String, Integer> portNames = new HashMap<>();
        for (Server s : gw.servers()) {
            if (s == null) {
                continue;
            }
            hosts(s, f);
            if (s.port() == null) {
                f.add(Code.GW104, s.path() + ".port", "server has no port: add port with number, name and protocol, "
                        + "e.g. {number: 443, name: https, protocol: HTTPS}");
                continue;
            }
            portNumber(s, f);
            protocol(s, f);
            portName(s, portNames, f);
            targetPort(s, f);
        }
    }

    /** GW109. */
    private static void name(Resource resource, GatewayFindings f) {
        String name = resource.name();
        if (name.isEmpty()) {
            f.add(Code.GW109, "metadata.name", "the Gateway has no name: set metadata.name to a DNS-1123 label such as \"my-gateway\"");
        } else if (name.length() > MAX_LABEL || !DNS1123_LABEL.matcher(name).matches()) {
            f.add(Code.GW109, "metadata.name", "Gateway name " + Messages.quote(name) + " is not a DNS-1123 label "
                    + "(lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63): "
                    + "rename it, e.g. " + Messages.quote(suggestLabel(name)));
        }
    }

    /** GW101. */
    private static void servers(IstioGateway gw, GatewayFindings f) {
        if (gw.servers().isEmpty()) {
            f.add(Code.GW101, "spec.servers", "the Gateway has no servers, so it opens no port: add at least one "
                    + "server with port, hosts and (for HTTPS) tls");
        }
        for (int i = 0; i < gw.servers().size(); i++) {
            if (gw.servers().get(i) == null) {
                f.add(Code.GW101, "spec.servers[" + i + "]", "server is null (an empty list item): remove it, "
                        + "or give it port and hosts");
            }
        }
    }

    /** GW102 and GW103. */
    private static void hosts(Server s, GatewayFindings f) {
        List<String> hosts = s.hosts();
        if (hosts.isEmpty()) {
            f.add(Code.GW102, s.path() + ".hosts", "server has no hosts: list the host names it serves, "
                    + "e.g. \"myapp.example.com\", or \"*\" for any host");
        }
        for (int j = 0; j < hosts.size(); j++) {
            String host = hosts.get(j);
            String problem = host.isEmpty() ? "it is empty" : Hosts.serverHostProblem(host).orElse(null);
            if (problem != null) {
                f.add(Code.GW103, s.path() + ".hosts[" + j + "]", "host " + Messages.quote(host) + " is invalid ("
                        + problem + "): write it as [namespace/]dnsName, e.g. myapp.example.com, *.example.com "
                        + "or istio-system/myapp.example.com");
            }
        }
    }

    /** GW104, with a port block present. */
    private static void portNumber(Server s, GatewayFindings f) {
        Integer number = s.port().number();
        String field = s.path() + ".port.number";
        boolean unixSocket = s.bind() != null && s.bind().startsWith(UNIX_BIND);
        if (number == null) {
            f.add(Code.GW104, field, "port.number is missing: set the port the gateway listens on (1-65535)");
        } else if (number == 0 && !unixSocket) {
            f.add(Code.GW104, field, "port.number 0 is only allowed with a unix:// bind: set the port the gateway "
                    + "listens on (1-65535)");
        } else if (number != 0 && (number < MIN_PORT || number > MAX_PORT)) {
            f.add(Code.GW104, field, "port.number " + number + " is outside 1..65535: set a valid TCP port");
        }
    }

    /** GW105. */
    private static void protocol(Server s, GatewayFindings f) {
        Port port = s.port();
        String field = s.path() + ".port.protocol";
        String choices = String.join(", ", ServerProtocol.labels());
        if (port.protocol() == null || port.protocol().isEmpty()) {
            f.add(Code.GW105, field, "port.protocol is missing: set one of " + choices);
        } else if (port.knownProtocol() == null) {
            f.add(Code.GW105, field, "port.protocol " + Messages.quote(port.protocol())
                    + " is not a Gateway protocol: use one of " + choices);
        }
    }

    /** GW106 and GW107: each server needs its own port name; the first user of a name keeps it. */
    private static void portName(Server s, Map<String, Integer> firstUser, GatewayFindings f) {
        Port port = s.port();
        String field = s.path() + ".port.name";
        if (port.name() == null || port.name().isEmpty()) {
            String example = port.protocol() == null || port.protocol().isEmpty() ? "https-443"
                    : port.protocol().toLowerCase(Locale.ROOT) + "-" + (port.number() == null ? "443" : port.number());
            f.add(Code.GW106, field, "port.name is missing: name the port, e.g. \"" + example
                    + "\" (each server of the Gateway needs its own name)");
            return;
        }
        Integer first = firstUser.putIfAbsent(port.name(), s.index());
        if (first != null) {
            f.add(Code.GW107, field, "port name " + Messages.quote(port.name()) + " is also used by spec.servers["
                    + first + "]; give each server a unique port.name");
        }
    }

    /** GW108. */
    private static void targetPort(Server s, GatewayFindings f) {
        if (s.port().targetPortSet()) {
            f.add(Code.GW108, s.path() + ".port.targetPort", "port.targetPort has no effect on a Gateway (the proxy "
                    + "listens on port.number): remove it, and map ports in the gateway's Service instead");
        }
    }

    /** A DNS-1123 label close to the given name, for the GW109 message. */
    private static String suggestLabel(String name) {
        String s = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-");
        if (s.length() > MAX_LABEL) {
            s = s.substring(0, MAX_LABEL);
        }
        s = s.replaceAll("^-+|-+$", "");
        return s.isEmpty() ? "my-gateway" : s;
    }
}
