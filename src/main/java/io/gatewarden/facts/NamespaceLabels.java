package io.gatewarden.facts;

import io.gatewarden.cluster.Derivation;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The labels of each stored Namespace, for policy exemptions (POL801, POL806), the namespace selectors of
 * Gateway API listeners and the
 * ambient {@code istio.io/use-waypoint} label. Every namespace carries {@code kubernetes.io/metadata.name}
 * (the API server sets it; added here too for files that omit it, as Istio does).
 */
public final class NamespaceLabels {
    public static final Derivation<NamespaceLabels> DERIVATION = Derivation.of("namespace labels",
            Set.of(Kind.NAMESPACE), source -> new NamespaceLabels(source.view().resources(Kind.NAMESPACE)));
    public static final String NAME_LABEL = "kubernetes.io/metadata.name";

    private final Map<String, Map<String, String>> labels = new HashMap<>();

    private NamespaceLabels(Iterable<Resource> namespaces) {
        for (Resource ns : namespaces) {
            labels.put(ns.name(), withName(ns.name(), ns.labels()));
        }
    }

    /** A namespace's labels; for one not known (no Namespace object), only its name label. */
    public Map<String, String> of(String namespace) {
        Map<String, String> known = labels.get(namespace);
        return known != null ? known : Map.of(NAME_LABEL, namespace);
    }

    private static Map<String, String> withName(String name, Map<String, String> labels) {
        if (name.equals(labels.get(NAME_LABEL))) {
            return labels;
        }
        Map<String, String> out = new HashMap<>(labels);
        out.put(NAME_LABEL, name);
        return Map.copyOf(out);
    }
}
