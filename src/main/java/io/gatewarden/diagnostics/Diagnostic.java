package io.gatewarden.diagnostics;

import io.gatewarden.model.Resource;

/**
 * One finding: a code, the resource and field it is about, and a message that says
 * what is wrong and how to fix it.
 *
 * @param brief the same finding in fewer words, ending with the same fix, for places that cut long
 *              text (a kubectl warning keeps 256 characters); null when the message is short anyway
 */
public record Diagnostic(Code code, Severity severity, String kind, String namespace, String name,
                         String field, String message, String brief) {

    public static Diagnostic of(Code code, Resource resource, String field, String message) {
        return new Diagnostic(code, code.defaultSeverity(), resource.kind(), resource.namespace(), resource.name(),
                field, message, null);
    }

    /**
     * A finding that needs explaining: the message is {@code fact + why + fix}, the brief {@code fact + fix}
     * (what a cut place shows). {@code why} and {@code fix} begin with their separator ("; ", ": ").
     */
    public static Diagnostic of(Code code, Resource resource, String field, String fact, String why, String fix) {
        return of(code, resource, field, fact + why + fix).withBrief(fact + fix);
    }

    public Diagnostic withSeverity(Severity newSeverity) {
        return new Diagnostic(code, newSeverity, kind, namespace, name, field, message, brief);
    }

    /** This finding with a short form: the message without its explanations, ending with the same fix. */
    public Diagnostic withBrief(String shortForm) {
        return new Diagnostic(code, severity, kind, namespace, name, field, message, shortForm);
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
