package io.gatewarden.diagnostics;

import io.gatewarden.model.Resource;

/**
 * One finding: a code, the resource and field it is about, and a message that says
 * what is wrong and how to fix it.
 */
public record Diagnostic(Code code, Severity severity, String kind, String namespace, String name,
                         String field, String message) {

    public static Diagnostic of(Code code, Resource resource, String field, String message) {
        return new Diagnostic(code, code.defaultSeverity(), resource.kind(), resource.namespace(), resource.name(),
                field, message);
    }

    public Diagnostic withSeverity(Severity newSeverity) {
        return new Diagnostic(code, newSeverity, kind, namespace, name, field, message);
    }

    /** {@code Kind/namespace/name}, as printed by analyze and in denials. */
    public String resourceRef() {
        return kind + "/" + namespace + "/" + name;
    }

    /** The analyze text format: {@code SEVERITY CODE Kind/namespace/name field: message}. */
    public String toLine() {
        return severity.name() + " " + code + " " + resourceRef() + " " + field + ": " + message;
    }
}
