package io.gatewarden.rules;

import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.model.Hosts;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.model.IstioGateway.Port;
import io.gatewarden.model.IstioGateway.Server;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;

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
    /** GW105: the protocols a Gateway server accepts, compared upper-cased. */
    private static final List<String> PROTOCOLS =
            List.of("HTTP", "HTTPS", "GRPC", "GRPC-WEB", "HTTP2", "MONGO", "REDIS", "MYSQL", "TCP", "TLS");
    static final Set<String> KNOWN_PROTOCOLS = Set.copyOf(PROTOCOLS);
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
    public void check(Resource resource, Facts facts, List<Diagnostic> out) {
        IstioGateway gw = facts.gateway(resource);
        out.addAll(gw.shapeErrors());
        Findings f = new Findings(gw, out);
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
    private static void name(Resource resource, Findings f) {
        String name = resource.name();
        if (name.isEmpty()) {
            f.add(Code.GW109, "metadata.name", "the Gateway has no name: set metadata.name to a DNS-1123 label such as \"my-gateway\"");
        } else if (name.length() > MAX_LABEL || !DNS1123_LABEL.matcher(name).matches()) {
            f.add(Code.GW109, "metadata.name", "Gateway name " + Findings.quote(name) + " is not a DNS-1123 label "
                    + "(lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63): "
                    + "rename it, e.g. " + Findings.quote(suggestLabel(name)));
        }
    }

    /** GW101. */
    private static void servers(IstioGateway gw, Findings f) {
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
    private static void hosts(Server s, Findings f) {
        List<String> hosts = s.hosts();
        if (hosts.isEmpty()) {
            f.add(Code.GW102, s.path() + ".hosts", "server has no hosts: list the host names it serves, "
                    + "e.g. \"myapp.example.com\", or \"*\" for any host");
        }
        for (int j = 0; j < hosts.size(); j++) {
            String host = hosts.get(j);
            String problem = host.isEmpty() ? "it is empty" : Hosts.serverHostProblem(host).orElse(null);
            if (problem != null) {
                f.add(Code.GW103, s.path() + ".hosts[" + j + "]", "host " + Findings.quote(host) + " is invalid ("
                        + problem + "): write it as [namespace/]dnsName, e.g. myapp.example.com, *.example.com "
                        + "or istio-system/myapp.example.com");
            }
        }
    }

    /** GW104, with a port block present. */
    private static void portNumber(Server s, Findings f) {
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
    private static void protocol(Server s, Findings f) {
        Port port = s.port();
        String field = s.path() + ".port.protocol";
        String choices = String.join(", ", PROTOCOLS);
        if (port.protocol() == null || port.protocol().isEmpty()) {
            f.add(Code.GW105, field, "port.protocol is missing: set one of " + choices);
        } else if (!KNOWN_PROTOCOLS.contains(port.protocolUpper())) {
            f.add(Code.GW105, field, "port.protocol " + Findings.quote(port.protocol())
                    + " is not a Gateway protocol: use one of " + choices);
        }
    }

    /** GW106 and GW107: each server needs its own port name; the first user of a name keeps it. */
    private static void portName(Server s, Map<String, Integer> firstUser, Findings f) {
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
            f.add(Code.GW107, field, "port name " + Findings.quote(port.name()) + " is also used by spec.servers["
                    + first + "]; give each server a unique port.name");
        }
    }

    /** GW108. */
    private static void targetPort(Server s, Findings f) {
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

    /**
     * Collects the findings of one Gateway, skipping any finding that a shape error of the same code
     * already reports at that field or inside it ({@code hosts: 7} is one GW102, not two).
     * Shared with {@link ServerTlsRules}; the shape errors themselves are emitted only here.
     */
    static final class Findings {
        private static final int MAX_QUOTED = 60;
        private final Resource resource;
        private final List<Diagnostic> out;
        private final Set<String> explained = new HashSet<>();

        Findings(IstioGateway gw, List<Diagnostic> out) {
            this.resource = gw.resource();
            this.out = out;
            for (Diagnostic d : gw.shapeErrors()) {
                String field = d.field();
                explained.add(d.code() + " " + field);
                for (int i = 0; i < field.length(); i++) {
                    if (field.charAt(i) == '.' || field.charAt(i) == '[') {
                        explained.add(d.code() + " " + field.substring(0, i));
                    }
                }
            }
        }

        void add(Code code, String field, String message) {
            add(code, field, message, null);
        }

        /** With a short form for cut places (see {@link Diagnostic#brief()}). */
        void add(Code code, String field, String message, String brief) {
            if (!explained.contains(code + " " + field)) {
                out.add(Diagnostic.of(code, resource, field, message).withBrief(brief));
            }
        }

        /** A value in double quotes, cut when long so a message stays readable. */
        static String quote(String value) {
            String v = value.length() > MAX_QUOTED ? value.substring(0, MAX_QUOTED - 3) + "..." : value;
            return "\"" + v + "\"";
        }
    }
}
