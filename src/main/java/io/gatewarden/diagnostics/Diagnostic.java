package io.gatewarden.diagnostics;

/**
 * One finding: a code, the object and field it is about, and a message that says what is wrong
 * and how to fix it.
 *
 * @param brief the same finding in fewer words, ending with the same fix, for places that cut long
 *              text (a kubectl warning keeps 256 characters); null when the message is short anyway
 */
public record Diagnostic(Code code, Severity severity, ObjectRef object, String field, String message, String brief) {

    public static Diagnostic of(Code code, ObjectRef.Subject subject, String field, String message) {
        return new Diagnostic(code, code.defaultSeverity(), subject.ref(), field, message, null);
    }

    /**
     * A finding that needs explaining: the message is {@code fact + why + fix}, the brief {@code fact + fix}
     * (what a cut place shows). {@code why} and {@code fix} begin with their separator ("; ", ": ").
     */
    public static Diagnostic of(Code code, ObjectRef.Subject subject, String field, String fact, String why,
                                String fix) {
        return of(code, subject, field, fact + why + fix).withBrief(fact + fix);
    }

    public Diagnostic withSeverity(Severity newSeverity) {
        return new Diagnostic(code, newSeverity, object, field, message, brief);
    }

    /** This finding with a short form: the message without its explanations, ending with the same fix. */
    public Diagnostic withBrief(String shortForm) {
        return new Diagnostic(code, severity, object, field, message, shortForm);
    }

    public String kind() {
        return object.kind();
    }

    public String namespace() {
        return object.namespace();
    }

    public String name() {
        return object.name();
    }

    /** {@code Kind/namespace/name}, as printed by analyze and in denials. */
    public String resourceRef() {
        return object.display();
    }

    /** The analyze text format: {@code SEVERITY CODE Kind/namespace/name field: message}. */
    public String toLine() {
        return severity.name() + " " + code + " " + resourceRef() + " " + field + ": " + message;
    }
}
