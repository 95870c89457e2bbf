package io.gatewarden.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.gatewarden.diagnostics.ObjectRef;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Any Kubernetes object as read from a file, an informer or an admission review: its identity
 * plus the raw JSON. Rules read the JSON themselves so that every API version and unknown
 * fields survive untouched.
 *
 * @param origin where it came from, for messages ("gateway.yaml:12", "cluster", "admission")
 */
public record Resource(String apiVersion, String kind, String namespace, String name,
                       Map<String, String> labels, Map<String, String> annotations, JsonNode body, String origin)
        implements ObjectRef.Subject {

    public static final String DEFAULT_NAMESPACE = "default";

    /**
     * Reads identity from {@code metadata}; a missing namespace becomes {@code defaultNamespace}, except for
     * a Namespace, which is cluster-scoped: its namespace is "".
     */
    public static Resource of(JsonNode body, String defaultNamespace, String origin) {
        JsonNode metadata = body.path("metadata");
        String namespace = metadata.path("namespace").asText("");
        String apiVersion = body.path("apiVersion").asText("");
        String kind = body.path("kind").asText("");
        boolean clusterScoped = kind.equals(Kind.NAMESPACE.kind()) && apiVersion.equals("v1");
        return new Resource(apiVersion, kind,
                clusterScoped ? "" : namespace.isEmpty() ? defaultNamespace : namespace, metadata.path("name").asText(""),
                stringMap(metadata.path("labels")), stringMap(metadata.path("annotations")), body, origin);
    }

    /** The API group: {@code networking.istio.io} for {@code networking.istio.io/v1}, "" for core. */
    public String group() {
        int slash = apiVersion.indexOf('/');
        return slash < 0 ? "" : apiVersion.substring(0, slash);
    }

    public boolean is(Kind k) {
        return k.kind().equals(kind) && k.group().equals(group());
    }

    public JsonNode spec() {
        JsonNode spec = body.path("spec");
        return spec.isObject() ? spec : MissingNode.getInstance();
    }

    /** The object's group, kind, namespace and name. */
    @Override
    public ObjectRef ref() {
        return new ObjectRef(group(), kind, namespace, name);
    }

    /**
     * {@code metadata.creationTimestamp}, or null when it has none or it does not parse (an object under
     * review on CREATE has none yet: it is the newest).
     */
    public java.time.Instant created() {
        String t = body.path("metadata").path("creationTimestamp").asText("");
        try {
            return t.isEmpty() ? null : java.time.Instant.parse(t);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    /** Same namespace and name (of the same kind, which the caller knows): another version of one object. */
    public boolean sameObject(Resource other) {
        return namespace.equals(other.namespace) && name.equals(other.name);
    }

    /** Labels or selectors: string values only; anything else is not a label and is skipped. */
    public static Map<String, String> stringMap(JsonNode node) {
        if (!node.isObject()) {
            return Map.of();
        }
        Map<String, String> map = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> {
            if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                map.put(e.getKey(), e.getValue().asText());
            }
        });
        return Collections.unmodifiableMap(map);
    }
}
