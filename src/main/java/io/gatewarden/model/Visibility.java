package io.gatewarden.model;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Istio's {@code exportTo}: the namespaces a Service, ServiceEntry or VirtualService is visible in, as
 * scopes: {@code *} (every namespace) or namespace names. An empty set is visible nowhere ({@code ~}).
 * Istio's analyzers key hosts the same way (scope + host, {@code util/service_lookup.go}).
 *
 * @param scopes {@link #ALL} or namespace names
 */
public record Visibility(Set<String> scopes) {
    public static final String ALL = "*";
    /** The annotation that gives a Kubernetes Service its exportTo (comma-separated). */
    public static final String SERVICE_ANNOTATION = "networking.istio.io/exportTo";
    public static final Visibility EVERYWHERE = new Visibility(Set.of(ALL));

    public Visibility {
        scopes = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(scopes));
    }

    /**
     * Where a Service, ServiceEntry or VirtualService of {@code namespace} is visible: unset means
     * everywhere (Istio's default), {@code .} its own namespace, {@code ~} nowhere, {@code *} everywhere,
     * any other value that namespace.
     */
    public static Visibility exportTo(List<String> exportTo, String namespace) {
        if (exportTo.isEmpty()) {
            return EVERYWHERE;
        }
        Set<String> scopes = new TreeSet<>();
        for (String e : exportTo) {
            String v = e.strip();
            if (v.equals(ALL)) {
                return EVERYWHERE;
            }
            if (v.equals(".")) {
                scopes.add(namespace);
            } else if (!v.equals("~") && !v.isEmpty()) {
                scopes.add(v);
            }
        }
        return new Visibility(scopes);
    }

    /** A Service's visibility, from its {@code networking.istio.io/exportTo} annotation (null when absent). */
    public static Visibility ofAnnotation(String annotation, String namespace) {
        return exportTo(annotation == null ? List.of() : List.of(annotation.split(",")), namespace);
    }

    /**
     * Where a VirtualService's destinations are looked up from, as Istio's analyzer does
     * ({@code util.GetDestinationHost}): the namespaces it is exported to, its own when it names none.
     * A declaration visible everywhere is always found; one visible in some namespaces only when one
     * of them is here.
     */
    public static Visibility routesOf(List<String> exportTo, String namespace) {
        return exportTo.isEmpty() ? new Visibility(Set.of(namespace)) : exportTo(exportTo, namespace);
    }

    public boolean everywhere() {
        return scopes.contains(ALL);
    }

    /** Whether something with this visibility is found from {@code from} (a {@link #routesOf} scope). */
    public boolean visibleFrom(Visibility from) {
        return everywhere() || intersects(from);
    }

    /** Whether two declarations are visible in a common namespace (either everywhere, or a shared one). */
    public boolean overlaps(Visibility other) {
        return everywhere() || other.everywhere() || intersects(other);
    }

    /** Where both are visible (assuming they {@link #overlaps overlap}). */
    public Visibility common(Visibility other) {
        if (everywhere()) {
            return other;
        }
        if (other.everywhere()) {
            return this;
        }
        Set<String> both = new TreeSet<>(scopes);
        both.retainAll(other.scopes);
        return new Visibility(both);
    }

    private boolean intersects(Visibility other) {
        for (String s : scopes) {
            if (other.scopes.contains(s)) {
                return true;
            }
        }
        return false;
    }

    /** For messages: "every namespace" or "namespace a, b" or "no namespace". */
    public String describe() {
        if (everywhere()) {
            return "every namespace";
        }
        return scopes.isEmpty() ? "no namespace" : (scopes.size() == 1 ? "namespace " : "namespaces ")
                + String.join(", ", scopes);
    }
}
