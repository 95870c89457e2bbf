package io.gatewarden.admission;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatewarden.cluster.InformerClusterView;
import io.gatewarden.facts.RuleSettings;
import io.gatewarden.policy.PolicyWatcher;
import io.gatewarden.config.GatewardenConfig;
import io.gatewarden.rules.Engine;
import jakarta.annotation.PostConstruct;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestResponse;

import java.time.Clock;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.List;

/**
 * The webhook HTTP API. Any well-formed AdmissionReview gets HTTP 200 and a verdict; a malformed
 * one gets HTTP 400 with a JSON error. Nothing here answers 5xx for bad input.
 * <p>
 * Every answer is a {@code RestResponse<ObjectNode>}, not a raw {@code Response}: with the entity type
 * known at build time Quarkus REST picks the JSON writer once instead of looking it up per request
 * (about 5 µs of server CPU per review, bench/validate.sh). The methods run on worker threads (the
 * default): a review can wait on a bounded API read (a Secret missing from the cache), which must not
 * stall the event loop.
 */
@Path("/")
@Consumes(MediaType.WILDCARD)
@Produces(MediaType.APPLICATION_JSON)
public class AdmissionEndpoints {
    private static final Logger LOG = Logger.getLogger(AdmissionEndpoints.class);

    @Inject
    InformerClusterView view;
    @Inject
    ObjectMapper mapper;
    @Inject
    AdmissionMetrics metrics;
    @Inject
    GatewardenConfig config;
    @Inject
    PolicyWatcher policy;

    private Validator validator;
    private Mutator mutator;

    @PostConstruct
    void init() {
        validator = new Validator(new Engine(RuleSettings.from(config, Clock.systemUTC()).withPolicy(policy)),
                config.admission().maxErrorsInMessage());
        mutator = new Mutator(DefaultSettings.from(config));
    }

    @POST
    @Path("validate")
    public RestResponse<ObjectNode> validate(byte[] body) {
        return handle("validate", body, request -> {
            Validator.Outcome outcome = validator.validate(request, view, mapper);
            return new Judged(outcome.review(), outcome.kind(), outcome.allowed() ? "allowed" : "denied");
        }, (request, e) -> errorVerdict(request.uid(), e));
    }

    /**
     * The defaults (MUT901–MUT907): always allowed, with a JSONPatch when something was defaulted.
     * An internal failure admits the object unpatched with a warning (validation still judges it).
     */
    @POST
    @Path("mutate")
    public RestResponse<ObjectNode> mutate(byte[] body) {
        return handle("mutate", body, request -> {
            Mutator.Outcome outcome = mutator.mutate(request, mapper);
            return new Judged(outcome.review(), outcome.kind(), outcome.patched() ? "patched" : "allowed");
        }, (request, e) -> Mutator.unchanged(mapper, request.uid(), "Gatewarden could not apply its defaults "
                + "(internal error: " + e.getClass().getSimpleName() + "); the object is admitted unchanged; "
                + "see the gatewarden logs"));
    }

    private record Judged(ObjectNode review, String kind, String verdict) {
    }

    /**
     * The shape both webhooks share: bad input is a 400 with a JSON error; a well-formed review
     * always gets HTTP 200 and a verdict, even when judging it fails (a bug must not become a 5xx).
     */
    private RestResponse<ObjectNode> handle(String webhook, byte[] body, Function<ReviewRequest, Judged> judge,
                                            BiFunction<ReviewRequest, RuntimeException, ObjectNode> onError) {
        long start = System.nanoTime();
        ReviewRequest request;
        try {
            request = ReviewRequest.parse(body, mapper);
        } catch (BadReviewException e) {
            metrics.record(webhook, "unknown", "unknown", "invalid", System.nanoTime() - start);
            return badRequest(e.getMessage());
        }
        Judged judged;
        try {
            judged = judge.apply(request);
        } catch (RuntimeException e) {
            LOG.errorf(e, "internal error in /%s for %s uid %s", webhook, request.kind(), request.uid());
            judged = new Judged(onError.apply(request, e), request.kind(), "error");
        }
        metrics.record(webhook, judged.kind(), request.operation(), judged.verdict(), System.nanoTime() - start);
        return RestResponse.ok(judged.review());
    }

    /**
     * Allow-all with the same parsing: the baseline the benchmark compares /validate against.
     * Off unless {@code gatewarden.admission.baseline-endpoint=true}.
     */
    @POST
    @Path("allow")
    public RestResponse<ObjectNode> allow(byte[] body) {
        if (!config.admission().baselineEndpoint()) {
            return RestResponse.status(RestResponse.Status.NOT_FOUND);
        }
        try {
            ReviewRequest request = ReviewRequest.parse(body, mapper);
            return RestResponse.ok(Verdict.response(mapper, request.uid(), "", List.of(), 0));
        } catch (BadReviewException e) {
            return badRequest(e.getMessage());
        }
    }

    private RestResponse<ObjectNode> badRequest(String message) {
        ObjectNode error = mapper.createObjectNode().put("error", message).put("code", 400);
        return RestResponse.status(RestResponse.Status.BAD_REQUEST, error);
    }

    private ObjectNode errorVerdict(String uid, RuntimeException e) {
        ObjectNode review = mapper.createObjectNode().put("apiVersion", ReviewRequest.API_VERSION).put("kind", "AdmissionReview");
        review.putObject("response").put("uid", uid).put("allowed", false).putObject("status").put("code", 500)
                .put("message", "Gatewarden could not judge this object (internal error: " + e.getClass().getSimpleName()
                        + "); see the gatewarden logs and report it");
        return review;
    }
}
