package io.gatewarden.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.gatewarden.model.Resource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** istiod's question (list secrets, the ServiceAccount as user, no groups) answered from RBAC objects in files. */
class FileRbacTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static StaticClusterView view(String yaml) throws Exception {
        List<Resource> out = new ArrayList<>();
        for (JsonNode doc : YAML.readValues(new YAMLFactory().createParser(yaml), JsonNode.class).readAll()) {
            out.add(Resource.of(doc, "default", "test"));
        }
        return new StaticClusterView(out);
    }

    static final String BINDINGS = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: gw-edit}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
            subjects: [{kind: ServiceAccount, name: editor, namespace: gw}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: gw-view, namespace: gw}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
            subjects: [{kind: ServiceAccount, name: viewer}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: by-user, namespace: gw}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: aggregated}
            subjects: [{kind: User, name: "system:serviceaccount:gw:by-user"}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: aggregated}
            aggregationRule:
              clusterRoleSelectors: [{matchLabels: {gateway-credentials: "true"}}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: piece, labels: {gateway-credentials: "true"}}
            rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: by-group, namespace: gw}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: piece}
            subjects: [{kind: Group, name: "system:serviceaccounts:gw"}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: elsewhere, namespace: other}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: piece}
            subjects: [{kind: ServiceAccount, name: grouped, namespace: gw}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: unknown-role, namespace: gw}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: not-in-the-files}
            subjects: [{kind: ServiceAccount, name: unknowable, namespace: gw}]
            """;

    @Test
    void judgedLikeTheRbacAuthorizer() throws Exception {
        StaticClusterView v = view(BINDINGS);
        assertEquals(SecretAccess.Answer.ALLOWED, v.secretAccess("gw", "editor").answer(), "default ClusterRole edit");
        assertEquals(SecretAccess.Answer.DENIED, v.secretAccess("gw", "viewer").answer(), "view reads no secrets");
        assertEquals(SecretAccess.Answer.ALLOWED, v.secretAccess("gw", "by-user").answer(),
                "a User subject naming the ServiceAccount, an aggregated ClusterRole");
        SecretAccess grouped = v.secretAccess("gw", "grouped");
        assertEquals(SecretAccess.Answer.DENIED, grouped.answer(),
                "a group binding does not count (istiod asks with no groups), nor a binding in another namespace");
        assertTrue(grouped.detail().contains("no RoleBinding in gw"), grouped.detail());
        assertEquals(SecretAccess.Answer.UNKNOWN, v.secretAccess("gw", "unknowable").answer(),
                "a role not among the files");
        assertEquals(SecretAccess.Answer.DENIED, v.secretAccess("gw", "nobody").answer());
    }

    @Test
    void notJudgedWithoutRbacObjects() throws Exception {
        StaticClusterView v = view("""
                apiVersion: v1
                kind: ServiceAccount
                metadata: {name: gateway, namespace: gw}
                """);
        assertEquals(SecretAccess.Answer.UNKNOWN, v.secretAccess("gw", "gateway").answer());
    }
}
