package io.gatewarden.cluster;

import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A cluster made of given resources: the files of {@code analyze}, or a test's fixtures.
 * Later resources with the same kind, namespace and name replace earlier ones.
 */
public final class StaticClusterView implements ClusterView {
    private final Map<Kind, Map<String, Resource>> byKind = new EnumMap<>(Kind.class);
    private final List<Workload> workloads = new ArrayList<>();
    private final List<ServiceInfo> services = new ArrayList<>();
    private final Map<String, SecretData> secrets = new HashMap<>();
    private final Map<String, List<String>> secretNamespaces = new HashMap<>();
    private final DerivedCache derived = new DerivedCache(this);
    private FileRbac rbac;

    public StaticClusterView(List<Resource> resources) {
        for (Resource r : resources) {
            Kind kind = Kind.of(r);
            if (kind != null) {
                byKind.computeIfAbsent(kind, k -> new TreeMap<>()).put(r.namespace() + "/" + r.name(), r);
            }
        }
        for (Map.Entry<Kind, Map<String, Resource>> e : byKind.entrySet()) {
            for (Resource r : e.getValue().values()) {
                Objects.workload(r).ifPresent(workloads::add);
                if (e.getKey() == Kind.SERVICE) {
                    services.add(Objects.service(r));
                } else if (e.getKey() == Kind.SECRET) {
                    secrets.put(r.namespace() + "/" + r.name(), Objects.secret(r));
                    secretNamespaces.computeIfAbsent(r.name(), n -> new ArrayList<>()).add(r.namespace());
                }
            }
        }
        secretNamespaces.values().forEach(l -> l.sort(null));
    }

    @Override
    public List<Resource> resources(Kind kind) {
        Map<String, Resource> m = byKind.get(kind);
        return m == null ? List.of() : List.copyOf(m.values());
    }

    @Override
    public List<Workload> workloads() {
        return workloads;
    }

    @Override
    public List<ServiceInfo> services() {
        return services;
    }

    @Override
    public Optional<SecretData> secret(String namespace, String name) {
        return Optional.ofNullable(secrets.get(namespace + "/" + name));
    }

    @Override
    public DerivedCache derived() {
        return derived;
    }

    @Override
    public List<String> namespacesWithSecret(String name) {
        return secretNamespaces.getOrDefault(name, List.of());
    }

    /** From the Roles, ClusterRoles and bindings among the resources; not judged when there are none. */
    @Override
    public synchronized SecretAccess secretAccess(String namespace, String serviceAccount) {
        if (rbac == null) {
            rbac = new FileRbac(resources(Kind.ROLE), resources(Kind.CLUSTER_ROLE), resources(Kind.ROLE_BINDING),
                    resources(Kind.CLUSTER_ROLE_BINDING));
        }
        return rbac.secretAccess(namespace, serviceAccount);
    }
}
