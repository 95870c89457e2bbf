package io.gatewarden.model;

/** The kinds Gatewarden reads, by API group: Istio's and Gateway API's both have a "Gateway". */
public enum Kind {
    ISTIO_GATEWAY("networking.istio.io", "Gateway"),
    VIRTUAL_SERVICE("networking.istio.io", "VirtualService"),
    DESTINATION_RULE("networking.istio.io", "DestinationRule"),
    SERVICE_ENTRY("networking.istio.io", "ServiceEntry"),
    SIDECAR("networking.istio.io", "Sidecar"),
    K8S_GATEWAY("gateway.networking.k8s.io", "Gateway"),
    HTTP_ROUTE("gateway.networking.k8s.io", "HTTPRoute"),
    GRPC_ROUTE("gateway.networking.k8s.io", "GRPCRoute"),
    TLS_ROUTE("gateway.networking.k8s.io", "TLSRoute"),
    TCP_ROUTE("gateway.networking.k8s.io", "TCPRoute"),
    REFERENCE_GRANT("gateway.networking.k8s.io", "ReferenceGrant"),
    POD("", "Pod"),
    SERVICE("", "Service"),
    SECRET("", "Secret"),
    CONFIG_MAP("", "ConfigMap"),
    NAMESPACE("", "Namespace"),
    DEPLOYMENT("apps", "Deployment"),
    STATEFUL_SET("apps", "StatefulSet"),
    DAEMON_SET("apps", "DaemonSet"),
    ROLE("rbac.authorization.k8s.io", "Role"),
    ROLE_BINDING("rbac.authorization.k8s.io", "RoleBinding"),
    CLUSTER_ROLE("rbac.authorization.k8s.io", "ClusterRole"),
    CLUSTER_ROLE_BINDING("rbac.authorization.k8s.io", "ClusterRoleBinding");

    /** Pods and the workload kinds whose pod templates a selector may match: where proxies run. */
    public static final java.util.Set<Kind> WORKLOADS =
            java.util.Collections.unmodifiableSet(java.util.EnumSet.of(POD, DEPLOYMENT, STATEFUL_SET, DAEMON_SET));

    /** The Gateway API route kinds: what attaches to a Gateway API listener through {@code parentRefs}. */
    public static final java.util.Set<Kind> ROUTES = java.util.Collections.unmodifiableSet(
            java.util.EnumSet.of(HTTP_ROUTE, GRPC_ROUTE, TLS_ROUTE, TCP_ROUTE));

    /**
     * The RBAC kinds: who may read Secrets (GW314). In {@code analyze} they are read from the files; in the
     * cluster the API server's authorizer answers instead, and changes to them are only watched.
     */
    public static final java.util.Set<Kind> RBAC = java.util.Collections.unmodifiableSet(
            java.util.EnumSet.of(ROLE, ROLE_BINDING, CLUSTER_ROLE, CLUSTER_ROLE_BINDING));

    private final String group;
    private final String kind;

    Kind(String group, String kind) {
        this.group = group;
        this.kind = kind;
    }

    public String group() {
        return group;
    }

    public String kind() {
        return kind;
    }

    /** The kind of a resource, or null when Gatewarden does not read it. */
    public static Kind of(Resource r) {
        for (Kind k : values()) {
            if (r.is(k)) {
                return k;
            }
        }
        return null;
    }
}
