package io.gatewarden.admission;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatewarden.model.Resource;

import java.io.IOException;

/**
 * The parts of an {@code admission.k8s.io/v1} AdmissionReview request that Gatewarden uses.
 *
 * @param object the object being admitted; null for DELETE (which is always allowed)
 */
public record ReviewRequest(String uid, String group, String version, String kind, String operation, String namespace,
                            JsonNode object, boolean dryRun) {

    public static final String API_VERSION = "admission.k8s.io/v1";

    public static ReviewRequest parse(byte[] body, ObjectMapper mapper) throws BadReviewException {
        if (body == null || body.length == 0) {
            throw new BadReviewException("empty body: expected an admission.k8s.io/v1 AdmissionReview");
        }
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (StreamConstraintsException e) {
            // Jackson's guards against hostile input (nesting depth, number and string lengths); their
            // exceptions carry no location.
            throw new BadReviewException("body exceeds a JSON parsing limit: " + e.getOriginalMessage()
                    + "; an AdmissionReview from the API server never does");
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new BadReviewException("body is not valid JSON" + (at == null ? "" : " (line " + at.getLineNr()
                    + ", column " + at.getColumnNr() + ")") + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadReviewException("body could not be read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new BadReviewException("body is not a JSON object: expected an AdmissionReview");
        }
        String apiVersion = root.path("apiVersion").asText("");
        if (!API_VERSION.equals(apiVersion) || !"AdmissionReview".equals(root.path("kind").asText(""))) {
            throw new BadReviewException("expected apiVersion " + API_VERSION + " and kind AdmissionReview, got apiVersion \""
                    + apiVersion + "\" kind \"" + root.path("kind").asText("") + "\"; set admissionReviewVersions: [v1]");
        }
        JsonNode request = root.path("request");
        if (!request.isObject()) {
            throw new BadReviewException("AdmissionReview has no request object");
        }
        JsonNode uid = request.path("uid");
        if (!uid.isTextual() || uid.asText().isEmpty()) {
            throw new BadReviewException("request.uid is missing or not a string");
        }
        String operation = request.path("operation").asText("");
        JsonNode object = request.path("object");
        if (!operation.equals("DELETE") && !operation.equals("CONNECT") && !object.isObject()) {
            throw new BadReviewException("request.object is missing or not an object for operation \"" + operation + "\"");
        }
        JsonNode kind = request.path("kind");
        return new ReviewRequest(uid.asText(), kind.path("group").asText(""), kind.path("version").asText(""),
                kind.path("kind").asText(""), operation, request.path("namespace").asText(Resource.DEFAULT_NAMESPACE),
                object.isObject() ? object : null, request.path("dryRun").asBoolean(false));
    }

    /** The object as a Resource; its namespace comes from the request when the object names none (CREATE). */
    public Resource resource() {
        return Resource.of(object, namespace, "admission");
    }
}
