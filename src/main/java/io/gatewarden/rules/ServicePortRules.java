package io.gatewarden.rules;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.facts.Facts;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * EG613 on Services: a TCP port 443 whose protocol, as Istio selects it, is HTTP, HTTP2 or gRPC. Istio takes
 * {@code appProtocol} first ({@code kubernetes.io/h2c} is HTTP2), else the name, up to its first '-'
 * ({@code http}, {@code http-api}, {@code grpc-web}); see {@link PlaintextPort443} for why it matters
 * to the whole mesh.
 */
public final class ServicePortRules implements Rule {
    @Override
    public Kind kind() {
        return Kind.SERVICE;
    }

    @Override
    public Set<Code> codes() {
        return Set.of(Code.EG613);
    }

    @Override
    public Set<Kind> reads() {
        return Set.of();
    }

    @Override
    public void check(Resource resource, Facts facts, List<Diagnostic> out) {
        JsonNode ports = resource.spec().path("ports");
        if (!ports.isArray()) {
            return;
        }
        for (int i = 0; i < ports.size(); i++) {
            JsonNode port = ports.get(i);
            if (port.path("port").asInt(-1) != PlaintextPort443.HTTPS_PORT
                    || !port.path("protocol").asText("TCP").equalsIgnoreCase("TCP")) {
                continue;
            }
            // As Istio's kube.ConvertProtocol: appProtocol, when set, stands in for the name.
            boolean byAppProtocol = port.hasNonNull("appProtocol");
            String declared = byAppProtocol ? port.path("appProtocol").asText() : port.path("name").asText("");
            int dash = declared.indexOf('-');
            String protocol = declared.equalsIgnoreCase("kubernetes.io/h2c") ? "http2"
                    : (dash < 0 ? declared : declared.substring(0, dash)).toLowerCase(Locale.ROOT);
            if (PlaintextPort443.httpFamily(protocol)) {
                String path = "spec.ports[" + i + "]" + (byAppProtocol ? ".appProtocol" : ".name");
                out.add(PlaintextPort443.finding(resource, path, protocol, (byAppProtocol ? "by appProtocol" : "by its name")
                        + " \"" + declared + "\""));
            }
        }
    }
}
