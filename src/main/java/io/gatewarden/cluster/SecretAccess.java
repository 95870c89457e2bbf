package io.gatewarden.cluster;

/**
 * The answer to the question istiod asks before it serves a gateway its credentials: may the gateway's
 * ServiceAccount {@code list} {@code secrets} in its own namespace? (istiod's SubjectAccessReview names the
 * user {@code system:serviceaccount:<namespace>:<name>} and no groups, so bindings to groups do not count.)
 *
 * @param detail why, for messages: the binding that grants it, what is missing, or why nobody can tell
 */
public record SecretAccess(Answer answer, String detail) {

    public enum Answer {
        ALLOWED, DENIED,
        /** Not judged: no authorizer to ask (no RBAC objects among the files), or the question failed. */
        UNKNOWN
    }

    public static final SecretAccess NOT_JUDGED = new SecretAccess(Answer.UNKNOWN, "not judged");

    public static SecretAccess allowed(String detail) {
        return new SecretAccess(Answer.ALLOWED, detail);
    }

    public static SecretAccess denied(String detail) {
        return new SecretAccess(Answer.DENIED, detail);
    }

    public static SecretAccess unknown(String detail) {
        return new SecretAccess(Answer.UNKNOWN, detail);
    }

    public boolean denied() {
        return answer == Answer.DENIED;
    }

    /** The user name istiod puts in its SubjectAccessReview for a ServiceAccount. */
    public static String user(String namespace, String serviceAccount) {
        return "system:serviceaccount:" + namespace + ":" + serviceAccount;
    }
}
