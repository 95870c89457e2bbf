package io.gatewarden.cluster;

import io.gatewarden.model.Visibility;

import java.util.List;
import java.util.Map;

/**
 * What the rules need of a Service: which pods it selects, which ports it exposes, and where Istio makes it
 * visible (its {@code networking.istio.io/exportTo} annotation).
 */
public record ServiceInfo(String namespace, String name, Map<String, String> selector, List<ServicePort> ports,
                          Visibility visibility) {

    /** {@code targetPort} is null when absent or named (a named target port cannot be compared by number). */
    public record ServicePort(int port, Integer targetPort, String name) {
    }

    /** A Service selects a workload in its own namespace; a Service without selector selects nothing. */
    public boolean selects(Workload w) {
        return !selector.isEmpty() && namespace.equals(w.namespace()) && Selectors.matches(selector, w.labels());
    }
}
