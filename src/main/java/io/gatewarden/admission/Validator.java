package io.gatewarden.admission;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatewarden.cluster.ClusterView;
import io.gatewarden.cluster.OverlayClusterView;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.rules.Engine;

import java.util.List;
import java.util.Set;

/** The validating webhook's decision, as a pure function of the review and the cluster view. */
public final class Validator {
    /** Kinds judged on admission; anything else sent here is allowed untouched. */
    static final Set<Kind> VALIDATED = Set.of(Kind.ISTIO_GATEWAY, Kind.VIRTUAL_SERVICE, Kind.SERVICE_ENTRY,
            Kind.DESTINATION_RULE, Kind.SIDECAR, Kind.SERVICE, Kind.K8S_GATEWAY, Kind.HTTP_ROUTE, Kind.GRPC_ROUTE,
            Kind.TLS_ROUTE, Kind.TCP_ROUTE);

    private final Engine engine;
    private final int maxErrorsInMessage;

    public Validator(Engine engine, int maxErrorsInMessage) {
        this.engine = engine;
        this.maxErrorsInMessage = maxErrorsInMessage;
    }

    public record Outcome(ObjectNode review, String kind, boolean allowed) {
    }

    /** Judges one request against the cluster as it would be with the object stored. */
    public Outcome validate(ReviewRequest request, ClusterView view, ObjectMapper mapper) {
        if (request.object() == null) {
            return new Outcome(Verdict.response(mapper, request.uid(), "", List.of(), maxErrorsInMessage), request.kind(), true);
        }
        Resource resource = request.resource();
        Kind kind = Kind.of(resource);
        List<Diagnostic> findings = kind != null && VALIDATED.contains(kind) // an unknown group is not ours to judge
                ? engine.check(resource, engine.facts(new OverlayClusterView(view, resource)))
                : List.of();
        String ref = resource.kind() + " " + resource.namespace() + "/" + resource.name();
        return new Outcome(Verdict.response(mapper, request.uid(), ref, findings, maxErrorsInMessage), resource.kind(),
                Verdict.allowed(findings));
    }
}
