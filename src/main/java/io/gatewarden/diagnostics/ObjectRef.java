package io.gatewarden.diagnostics;

import java.util.Objects;

/**
 * A Kubernetes object by API group, kind, namespace and name: what a finding, an Event or a
 * managed Secret's {@code gatewarden.io/for} annotation is about. The group keeps Istio's
 * {@code Gateway} apart from the Gateway API's.
 *
 * @param group {@code networking.istio.io}, {@code gateway.networking.k8s.io}, "" for the core API
 */
public record ObjectRef(String group, String kind, String namespace, String name) {

    public ObjectRef {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
    }

    /** Something a finding can be about. */
    public interface Subject {
        ObjectRef ref();
    }

    /** {@code Kind/namespace/name}: how analyze, denials and messages print it. */
    public String display() {
        return kind + "/" + namespace + "/" + name;
    }

    /** {@code Kind.group/namespace/name} (kubectl's notation; core kinds without a group): unambiguous. */
    public String qualified() {
        return (group.isEmpty() ? kind : kind + "." + group) + "/" + namespace + "/" + name;
    }

    /** {@code namespace/name}. */
    public String namespacedName() {
        return namespace + "/" + name;
    }

    /**
     * Reads {@link #qualified()}. The older unqualified form {@code Kind/namespace/name} (annotations
     * written before groups were recorded) is read with {@code defaultGroup}.
     *
     * @throws IllegalArgumentException when it does not have three non-empty parts
     */
    public static ObjectRef parse(String text, String defaultGroup) {
        String[] parts = text.strip().split("/", 3);
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
            throw new IllegalArgumentException("not Kind[.group]/namespace/name: \"" + text + "\"");
        }
        int dot = parts[0].indexOf('.');
        return dot < 0 ? new ObjectRef(defaultGroup, parts[0], parts[1], parts[2])
                : new ObjectRef(parts[0].substring(dot + 1), parts[0].substring(0, dot), parts[1], parts[2]);
    }

    @Override
    public String toString() {
        return qualified();
    }
}
