package io.gatewarden.cluster;

import java.util.Map;

/** A Pod, or a Deployment/StatefulSet/DaemonSet pod template: where a gateway proxy runs, by labels. */
public record Workload(String namespace, String kind, String name, Map<String, String> labels) {

    /** Kubernetes equality-based selection: every selector label present with the same value. */
    public boolean matches(Map<String, String> selector) {
        return Selectors.matches(selector, labels);
    }
}
