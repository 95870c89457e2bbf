package io.gatewarden.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatewarden.model.Resource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Who may list Secrets, judged from the Roles, ClusterRoles and bindings among {@code analyze}'s files the
 * way the API server's RBAC authorizer judges istiod's SubjectAccessReview: the user
 * {@code system:serviceaccount:ns:name} with no groups, verb {@code list}, resource {@code secrets} (core),
 * no resource name. A binding to a role that is neither among the files nor one of Kubernetes' default
 * user-facing ClusterRoles leaves the answer unknown rather than wrong.
 */
final class FileRbac {
    /** Kubernetes' default user-facing ClusterRoles, as the API server bootstraps them: may they list Secrets? */
    private static final Map<String, Boolean> DEFAULT_CLUSTER_ROLES =
            Map.of("cluster-admin", true, "admin", true, "edit", true, "view", false);

    private final Map<String, Resource> roles = new HashMap<>();
    private final Map<String, Resource> clusterRoles = new HashMap<>();
    private final List<Resource> roleBindings;
    private final List<Resource> clusterRoleBindings;
    private final boolean judges;

    FileRbac(List<Resource> roles, List<Resource> clusterRoles, List<Resource> roleBindings,
             List<Resource> clusterRoleBindings) {
        roles.forEach(r -> this.roles.put(r.namespace() + "/" + r.name(), r));
        clusterRoles.forEach(r -> this.clusterRoles.put(r.name(), r));
        this.roleBindings = roleBindings;
        this.clusterRoleBindings = clusterRoleBindings;
        this.judges = !(roles.isEmpty() && clusterRoles.isEmpty() && roleBindings.isEmpty() && clusterRoleBindings.isEmpty());
    }

    /** Unknown unless the files hold RBAC objects: then the files are taken to be the whole of it. */
    SecretAccess secretAccess(String namespace, String serviceAccount) {
        if (!judges) {
            return SecretAccess.unknown("the files hold no RBAC objects");
        }
        List<String> denying = new ArrayList<>();
        String unknown = null;
        List<Resource> bindings = new ArrayList<>(clusterRoleBindings);
        roleBindings.stream().filter(b -> b.namespace().equals(namespace)).forEach(bindings::add);
        for (Resource binding : bindings) {
            boolean namespaced = binding.is(io.gatewarden.model.Kind.ROLE_BINDING);
            if (!names(binding, namespace, serviceAccount)) {
                continue;
            }
            JsonNode ref = binding.body().path("roleRef");
            String roleKind = ref.path("kind").asText("");
            String roleName = ref.path("name").asText("");
            String role = roleKind + " " + (roleKind.equals("Role") ? binding.namespace() + "/" : "") + roleName;
            String via = binding.kind() + " " + (namespaced ? binding.namespace() + "/" : "") + binding.name() + " to "
                    + role;
            Resource defined = roleKind.equals("Role") ? roles.get(binding.namespace() + "/" + roleName)
                    : clusterRoles.get(roleName);
            Boolean allows = roleKind.equals("Role") ? allows(defined)
                    : roleKind.equals("ClusterRole") ? clusterRoleAllows(roleName) : null;
            if (Boolean.FALSE.equals(allows) && defined != null && namedOnly(defined)) {
                via += ", whose resourceNames allow only named secrets (istiod lists without a name)";
            }
            if (allows == null) {
                unknown = via + " names a role that is not among the files";
            } else if (allows) {
                return SecretAccess.allowed(via + " grants it");
            } else {
                denying.add(via);
            }
        }
        if (unknown != null) {
            return SecretAccess.unknown(unknown);
        }
        return SecretAccess.denied(denying.isEmpty()
                ? "no RoleBinding in " + namespace + " nor ClusterRoleBinding among the files binds it to a role that does"
                : "its bindings grant no list on secrets: " + String.join(", ", denying));
    }

    /** Whether a binding's subjects include the ServiceAccount (an SA subject without namespace means the binding's). */
    private static boolean names(Resource binding, String namespace, String serviceAccount) {
        for (JsonNode s : binding.body().path("subjects")) {
            String kind = s.path("kind").asText("");
            String name = s.path("name").asText("");
            if (kind.equals("ServiceAccount") && name.equals(serviceAccount)
                    && s.path("namespace").asText(binding.namespace()).equals(namespace)) {
                return true;
            }
            if (kind.equals("User") && name.equals(SecretAccess.user(namespace, serviceAccount))) {
                return true;
            }
        }
        return false;
    }

    private Boolean clusterRoleAllows(String name) {
        Resource role = clusterRoles.get(name);
        if (role == null) {
            return DEFAULT_CLUSTER_ROLES.get(name);
        }
        if (allows(role)) {
            return true;
        }
        // An aggregated ClusterRole gets the rules of the ClusterRoles its selectors match.
        for (JsonNode selector : role.body().path("aggregationRule").path("clusterRoleSelectors")) {
            Map<String, String> labels = Resource.stringMap(selector.path("matchLabels"));
            for (Resource other : clusterRoles.values()) {
                if (!labels.isEmpty() && other != role && Selectors.matches(labels, other.labels()) && allows(other)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Null for a role not among the files. */
    private static Boolean allows(Resource role) {
        if (role == null) {
            return null;
        }
        for (JsonNode rule : role.body().path("rules")) {
            if (has(rule, "verbs", "list") && has(rule, "apiGroups", "") && has(rule, "resources", "secrets")
                    && rule.path("resourceNames").isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** A rule that would allow listing secrets but for its resourceNames: a common way to get GW314. */
    private static boolean namedOnly(Resource role) {
        for (JsonNode rule : role.body().path("rules")) {
            if (has(rule, "verbs", "list") && has(rule, "apiGroups", "") && has(rule, "resources", "secrets")) {
                return true;
            }
        }
        return false;
    }

    private static boolean has(JsonNode rule, String field, String value) {
        for (JsonNode v : rule.path(field)) {
            if (v.asText("").equals(value) || v.asText("").equals("*")) {
                return true;
            }
        }
        return false;
    }
}
