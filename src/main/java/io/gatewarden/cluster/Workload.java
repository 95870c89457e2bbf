package io.gatewarden.cluster;

import java.util.Map;

/**
 * A Pod, or a Deployment/StatefulSet/DaemonSet pod template: where a gateway proxy runs, by labels.
 *
 * @param serviceAccount the pod's ServiceAccount ({@code serviceAccountName}, {@code default} when unset): the
 *                       identity istiod checks before it serves a gateway its credentials (GW314)
 */
public record Workload(String namespace, String kind, String name, Map<String, String> labels, String serviceAccount) {
    /** What Kubernetes runs a pod as when its spec names no ServiceAccount. */
    public static final String DEFAULT_SERVICE_ACCOUNT = "default";

    /** Kubernetes equality-based selection: every selector label present with the same value. */
    public boolean matches(Map<String, String> selector) {
        return Selectors.matches(selector, labels);
    }
}
