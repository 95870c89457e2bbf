package io.gatewarden.cluster;

import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;

import java.util.List;
import java.util.Optional;

/**
 * What exists: in the cluster an informer cache, in {@code analyze} the parsed files.
 * Rules never know which. Implementations answer from memory; the only exception is a Secret
 * missing from memory, which the cluster view confirms with a bounded live read (see
 * {@link #secret(String, String, long)}).
 */
public interface ClusterView {

    /** Resources of an Istio or Gateway API kind, in all namespaces. */
    List<Resource> resources(Kind kind);

    /** Pods and workload templates in all namespaces. */
    List<Workload> workloads();

    List<ServiceInfo> services();

    Optional<SecretData> secret(String namespace, String name);

    /**
     * {@link #secret(String, String)} for an evaluation begun at {@code since} ({@link System#nanoTime()}):
     * a view that confirms a miss with a live read answers every question of that evaluation, and of
     * evaluations begun earlier, from one read begun after {@code since}.
     */
    default Optional<SecretData> secret(String namespace, String name, long since) {
        return secret(namespace, name);
    }

    /** Namespaces holding a Secret of that name (metadata only), sorted. */
    List<String> namespacesWithSecret(String name);

    /**
     * Whether a ServiceAccount may list Secrets in a namespace, as istiod asks before serving a gateway its
     * credentials (GW314): in the cluster the API server's answer to a SubjectAccessReview (cached), in
     * {@code analyze} the RBAC objects among the files. {@link SecretAccess#NOT_JUDGED} where neither exists.
     */
    default SecretAccess secretAccess(String namespace, String serviceAccount) {
        return SecretAccess.NOT_JUDGED;
    }

    /**
     * The stored state without any object under review: what {@link #derived()} values are
     * computed from. A view of stored objects is its own stored state.
     */
    default ClusterView stored() {
        return this;
    }

    /** The object under admission review that this view holds in place of its stored version, if any. */
    default Optional<Resource> underReview() {
        return Optional.empty();
    }

    /**
     * A number that changes whenever stored objects of that kind change (added, removed, or changed
     * in what the view exposes of them). Views that never change answer 0.
     */
    default long generation(Kind kind) {
        return 0;
    }

    /** Facts derived from {@link #stored()}, shared across evaluations until the kinds they read change. */
    DerivedCache derived();
}
