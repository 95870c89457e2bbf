package io.gatewarden.facts;

import io.gatewarden.cluster.Derivation;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** The labels of each Namespace (policy exemptions; Gateway API namespace selectors). Unknown namespaces have none. */
public final class NamespaceLabels {
    public static final Derivation<NamespaceLabels> DERIVATION = Derivation.of("namespace labels",
            Set.of(Kind.NAMESPACE), source -> new NamespaceLabels(source.view().resources(Kind.NAMESPACE)));

    private final Map<String, Map<String, String>> labels = new HashMap<>();

    private NamespaceLabels(Iterable<Resource> namespaces) {
        for (Resource r : namespaces) {
            labels.put(r.name(), r.labels());
        }
    }

    public Map<String, String> of(String namespace) {
        return labels.getOrDefault(namespace, Map.of());
    }
}
