package io.gatewarden.certificates;

import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Says which permission a 403 from the API server lacks, from the API server's own message
 * ({@code User "system:serviceaccount:gatewarden:gatewarden" cannot patch resource "leases" in API group
 * "coordination.k8s.io" in the namespace "gatewarden"}), and how to grant it.
 */
final class Forbidden {
    private static final Pattern USER = Pattern.compile("User \"([^\"]*)\"");
    private static final Pattern VERB = Pattern.compile("cannot (\\S+) resource \"([^\"]+)\"");
    private static final Pattern NAMESPACE = Pattern.compile("in the namespace \"([^\"]+)\"");
    private static final Pattern SERVICE_ACCOUNT = Pattern.compile("system:serviceaccount:([^:]+):(.+)");

    private Forbidden() {
    }

    /**
     * "403 Forbidden: ServiceAccount gatewarden/gatewarden may not patch leases.coordination.k8s.io in
     * namespace gatewarden; apply k8s/rbac.yaml ...". {@code verb} and {@code resource} are what was
     * attempted, used when the message does not say.
     */
    static String describe(KubernetesClientException e, String verb, String resource, String group) {
        String message = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                : String.valueOf(e.getMessage());
        String who = find(USER, message, 1);
        Matcher sa = SERVICE_ACCOUNT.matcher(who == null ? "" : who);
        String subject = who == null ? "this replica's identity"
                : sa.matches() ? "ServiceAccount " + sa.group(1) + "/" + sa.group(2) + " (" + who + ")" : "user " + who;
        String v = find(VERB, message, 1);
        String r = find(VERB, message, 2);
        String ns = find(NAMESPACE, message, 1);
        return "403 Forbidden: the API server does not let " + subject + " " + (v == null ? verb : v) + " "
                + (r == null ? resource : r) + "." + group + (ns == null ? "" : " in namespace " + ns)
                + "; apply k8s/rbac.yaml (or grant that verb to this identity)";
    }

    private static String find(Pattern p, String text, int group) {
        Matcher m = p.matcher(text);
        return m.find() ? m.group(group) : null;
    }
}
