package io.gatewarden.cluster;

import java.util.List;
import java.util.Map;

/** What the rules need of a Service: which pods it selects and which ports it exposes. */
public record ServiceInfo(String namespace, String name, Map<String, String> selector, List<ServicePort> ports) {

    /** {@code targetPort} is null when absent or named (a named target port cannot be compared by number). */
    public record ServicePort(int port, Integer targetPort, String name) {
    }

    /** A Service selects a workload in its own namespace; a Service without selector selects nothing. */
    public boolean selects(Workload w) {
        return !selector.isEmpty() && namespace.equals(w.namespace()) && Selectors.matches(selector, w.labels());
    }
}
