package io.gatewarden.cluster;

import java.util.Map;

/** Label selection as Kubernetes and Istio do it for {@code matchLabels}-style selectors. */
public final class Selectors {
    private Selectors() {
    }

    /** True when every selector entry is among the labels. An empty selector matches everything. */
    public static boolean matches(Map<String, String> selector, Map<String, String> labels) {
        for (Map.Entry<String, String> e : selector.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
