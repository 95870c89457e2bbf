package io.gatewarden.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.diagnostics.Severity;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads fields of a resource's JSON and records a finding, under the code of the rule that
 * owns the field, whenever a value has the wrong type ({@code number: "eighty"}, {@code hosts: 7}).
 * The API server's schema normally catches these; a webhook called directly must not crash on them,
 * and {@code analyze} (no schema) must report them. They are errors whatever the code's usual
 * severity: the API server would reject the object.
 */
public final class ShapeReader {
    /** What follows the bad value when a string was expected: the fact and the fix. */
    public static final String NOT_A_STRING = " is not a string: write the value as text (quote it in YAML)";
    private final Resource resource;
    private final List<Diagnostic> errors = new ArrayList<>();

    public ShapeReader(Resource resource) {
        this.resource = resource;
    }

    public List<Diagnostic> errors() {
        return List.copyOf(errors);
    }

    public void error(Code code, String path, String message) {
        errors.add(Diagnostic.of(code, resource, path, message).withSeverity(Severity.ERROR));
    }

    /** A string field; null when absent or null, recorded as an error when of another type. */
    public String text(JsonNode parent, String field, String path, Code code) {
        JsonNode v = parent.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            error(code, path, describe(v) + NOT_A_STRING);
            return null;
        }
        return v.asText();
    }

    /**
     * A whole number. A numeric string such as {@code "443"} is a finding too (Istio's port numbers are
     * integers, not int-or-string: the API server rejects the quotes), but its value is still used, so
     * the other rules judge the port meant.
     */
    public Integer integer(JsonNode parent, String field, String path, Code code) {
        JsonNode v = parent.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return null;
        }
        if (v.isIntegralNumber() && v.canConvertToInt()) {
            return v.intValue();
        }
        if (v.isTextual() && v.asText().matches("-?\\d{1,9}")) {
            error(code, path, describe(v) + " is a string, not a number: write " + v.asText()
                    + " without quotes (the API server rejects a quoted number here)");
            return Integer.parseInt(v.asText());
        }
        error(code, path, describe(v) + " is not a whole number: write a number such as 443");
        return null;
    }

    public boolean bool(JsonNode parent, String field, String path, Code code) {
        JsonNode v = parent.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            error(code, path, describe(v) + " is not true or false: write true or false, unquoted");
            return false;
        }
        return v.booleanValue();
    }

    /** A list of strings; null when absent; wrong entries are recorded and skipped. */
    public List<String> texts(JsonNode parent, String field, String path, Code code) {
        JsonNode v = parent.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return null;
        }
        if (!v.isArray()) {
            error(code, path, describe(v) + " is not a list: write a YAML list, e.g. [a, b] or one \"- item\" per line");
            return List.of();
        }
        List<String> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            JsonNode item = v.get(i);
            if (item.isTextual()) {
                out.add(item.asText());
            } else {
                error(code, path + "[" + i + "]", describe(item) + NOT_A_STRING);
            }
        }
        return out;
    }

    /** A short rendering of a bad value for messages; long values are cut. */
    public static String describe(JsonNode v) {
        String s = v.isTextual() ? "\"" + v.asText() + "\"" : v.toString();
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
