package io.gatewarden.cluster;

import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;

import java.util.List;
import java.util.Optional;

/**
 * What exists: in the cluster an informer cache, in {@code analyze} the parsed files.
 * Rules never know which. Implementations must answer from memory (no API call per question),
 * except {@link #namespacesWithSecret}, which is only asked on the failure path.
 */
public interface ClusterView {

    /** Resources of an Istio or Gateway API kind, in all namespaces. */
    List<Resource> resources(Kind kind);

    /** Pods and workload templates in all namespaces. */
    List<Workload> workloads();

    List<ServiceInfo> services();

    Optional<SecretData> secret(String namespace, String name);

    /** Namespaces holding a Secret of that name (metadata only), sorted. */
    List<String> namespacesWithSecret(String name);

    /**
     * The stored state without any object under review: what {@link #derived()} values are
     * computed from. A view of stored objects is its own stored state.
     */
    default ClusterView stored() {
        return this;
    }

    /** Facts derived from {@link #stored()}, shared across evaluations until the state changes. */
    DerivedCache derived();
}
