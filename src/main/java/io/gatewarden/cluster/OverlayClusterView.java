package io.gatewarden.cluster;

import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The cluster as it would be if one resource under admission were stored: that resource
 * replaces the cached one of the same kind, namespace and name.
 */
public final class OverlayClusterView implements ClusterView {
    private final ClusterView base;
    private final Resource resource;
    private final Kind kind;

    public OverlayClusterView(ClusterView base, Resource resource) {
        this.base = base;
        this.resource = resource;
        this.kind = Kind.of(resource);
    }

    @Override
    public List<Resource> resources(Kind k) {
        List<Resource> stored = base.resources(k);
        if (k != kind) {
            return stored;
        }
        List<Resource> out = new ArrayList<>(stored.size() + 1);
        for (Resource r : stored) {
            if (!(r.namespace().equals(resource.namespace()) && r.name().equals(resource.name()))) {
                out.add(r);
            }
        }
        out.add(resource);
        return out;
    }

    @Override
    public List<Workload> workloads() {
        return base.workloads();
    }

    @Override
    public List<ServiceInfo> services() {
        return base.services();
    }

    @Override
    public Optional<SecretData> secret(String namespace, String name) {
        return base.secret(namespace, name);
    }

    @Override
    public Optional<SecretData> secret(String namespace, String name, long since) {
        return base.secret(namespace, name, since);
    }

    @Override
    public List<String> namespacesWithSecret(String name) {
        return base.namespacesWithSecret(name);
    }

    @Override
    public SecretAccess secretAccess(String namespace, String serviceAccount) {
        return base.secretAccess(namespace, serviceAccount);
    }

    @Override
    public ClusterView stored() {
        return base.stored();
    }

    @Override
    public Optional<Resource> underReview() {
        return Optional.of(resource);
    }

    @Override
    public long generation(Kind k) {
        return base.generation(k);
    }

    @Override
    public DerivedCache derived() {
        return base.derived();
    }
}
