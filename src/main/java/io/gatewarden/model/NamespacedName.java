package io.gatewarden.model;

/** An object's namespace and name, e.g. the Service a host names or the Gateway a route binds to. */
public record NamespacedName(String namespace, String name) {
    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
