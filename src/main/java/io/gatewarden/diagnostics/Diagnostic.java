package io.gatewarden.diagnostics;

/**
 * One finding: a code, the object and field it is about, and a message that says what is wrong
 * and how to fix it.
 */
public record Diagnostic(Code code, Severity severity, ObjectRef object, String field, String message) {

    public static Diagnostic of(Code code, ObjectRef.Subject subject, String field, String message) {
        return new Diagnostic(code, code.defaultSeverity(), subject.ref(), field, message);
    }

    public Diagnostic withSeverity(Severity newSeverity) {
        return new Diagnostic(code, newSeverity, object, field, message);
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
