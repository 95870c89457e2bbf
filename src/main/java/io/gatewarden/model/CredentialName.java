package io.gatewarden.model;

/**
 * A {@code credentialName} as Istio reads it: {@code name}, {@code kubernetes://name} or
 * {@code kubernetes://namespace/name}.
 *
 * @param namespace null unless given
 */
public record CredentialName(String namespace, String name) {
    static final String SDS_PREFIX = "kubernetes://";

    public static CredentialName parse(String credentialName) {
        String s = credentialName.startsWith(SDS_PREFIX) ? credentialName.substring(SDS_PREFIX.length()) : credentialName;
        int slash = s.indexOf('/');
        return slash < 0 ? new CredentialName(null, s) : new CredentialName(s.substring(0, slash), s.substring(slash + 1));
    }
}
