package io.gatewarden.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatewarden.diagnostics.Code;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A Kubernetes label selector ({@code matchLabels} and {@code matchExpressions}), as a Gateway API
 * listener's {@code allowedRoutes.namespaces.selector} holds it. An empty selector selects everything;
 * one that does not parse (an unknown operator, a value of the wrong type) selects nothing, as the API
 * machinery refuses it and Istio then allows no namespace.
 *
 * @param valid false when it could not be read: it then matches nothing
 */
public record LabelSelector(Map<String, String> matchLabels, List<Requirement> expressions, boolean valid) {

    private static final Set<String> OPERATORS = Set.of("In", "NotIn", "Exists", "DoesNotExist");

    /** One {@code matchExpressions} entry. */
    public record Requirement(String key, String operator, List<String> values) {
        boolean matches(Map<String, String> labels) {
            String v = labels.get(key);
            return switch (operator) {
                case "In" -> v != null && values.contains(v);
                case "NotIn" -> v == null || !values.contains(v);
                case "Exists" -> v != null;
                default -> v == null; // DoesNotExist: the only other operator a valid selector has
            };
        }

        @Override
        public String toString() {
            return key + " " + operator + (values.isEmpty() ? "" : " " + values);
        }
    }

    /** Reads a selector; shape problems are recorded under {@code code} and make it select nothing. */
    public static LabelSelector parse(JsonNode node, ShapeReader in, String path, Code code) {
        if (node.isMissingNode() || node.isNull()) {
            return new LabelSelector(Map.of(), List.of(), true);
        }
        if (!node.isObject()) {
            in.error(code, path, ShapeReader.describe(node) + " is not a label selector: write matchLabels "
                    + "and/or matchExpressions");
            return new LabelSelector(Map.of(), List.of(), false);
        }
        boolean valid = true;
        JsonNode labels = node.path("matchLabels");
        Map<String, String> matchLabels = new TreeMap<>();
        if (labels.isObject()) {
            for (Map.Entry<String, JsonNode> e : iterable(labels)) {
                if (e.getValue().isTextual()) {
                    matchLabels.put(e.getKey(), e.getValue().asText());
                } else {
                    in.error(code, path + ".matchLabels[\"" + e.getKey() + "\"]", ShapeReader.describe(e.getValue())
                            + ShapeReader.NOT_A_STRING);
                    valid = false;
                }
            }
        } else if (!labels.isMissingNode() && !labels.isNull()) {
            in.error(code, path + ".matchLabels", ShapeReader.describe(labels) + " is not a map of labels");
            valid = false;
        }
        List<Requirement> requirements = new ArrayList<>();
        JsonNode expressions = node.path("matchExpressions");
        if (expressions.isArray()) {
            for (int i = 0; i < expressions.size(); i++) {
                Requirement r = requirement(expressions.get(i), in, path + ".matchExpressions[" + i + "]", code);
                if (r == null) {
                    valid = false;
                } else {
                    requirements.add(r);
                }
            }
        } else if (!expressions.isMissingNode() && !expressions.isNull()) {
            in.error(code, path + ".matchExpressions", ShapeReader.describe(expressions) + " is not a list");
            valid = false;
        }
        return new LabelSelector(Map.copyOf(matchLabels), List.copyOf(requirements), valid);
    }

    private static Requirement requirement(JsonNode e, ShapeReader in, String path, Code code) {
        if (!e.isObject()) {
            in.error(code, path, ShapeReader.describe(e) + " is not a requirement (key, operator, values)");
            return null;
        }
        String key = in.text(e, "key", path + ".key", code);
        String operator = in.text(e, "operator", path + ".operator", code);
        List<String> values = in.texts(e, "values", path + ".values", code);
        if (key == null || operator == null) {
            if (e.path("key").isMissingNode() || e.path("operator").isMissingNode()) {
                in.error(code, path, "a requirement needs a key and an operator (In, NotIn, Exists, DoesNotExist)");
            }
            return null;
        }
        if (!OPERATORS.contains(operator)) {
            in.error(code, path + ".operator", "\"" + operator + "\" is not an operator: use In, NotIn, Exists or "
                    + "DoesNotExist");
            return null;
        }
        return new Requirement(key, operator, values == null ? List.of() : List.copyOf(values));
    }

    private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode node) {
        return node::fields;
    }

    public boolean matches(Map<String, String> labels) {
        if (!valid) {
            return false;
        }
        for (Map.Entry<String, String> e : matchLabels.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        for (Requirement r : expressions) {
            if (!r.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    /** For messages: {@code {a=b, key In [x]}}. */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        matchLabels.forEach((k, v) -> parts.add(k + "=" + v));
        expressions.forEach(r -> parts.add(r.toString()));
        return "{" + String.join(", ", parts) + "}";
    }
}
