package io.gatewarden.cluster;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which namespaces hold a Secret of each name, cluster-wide (GW303: a credential's secret in the wrong
 * namespace), from a metadata-only informer: no Secret data is fetched or kept. Per Secret the informer
 * keeps its namespace/name key and resourceVersion, and this index one set entry.
 */
final class SecretNameIndex implements ResourceEventHandler<GenericKubernetesResource> {
    private final Map<String, Set<String>> namespacesByName = new ConcurrentHashMap<>();

    /** Starts the informer on a {@link MetadataOnly} client; the caller owns (stops) it. */
    SharedIndexInformer<GenericKubernetesResource> start(KubernetesClient metadataOnly) {
        SharedIndexInformer<GenericKubernetesResource> informer = metadataOnly.genericKubernetesResources("v1", "Secret")
                .inAnyNamespace().runnableInformer(0);
        informer.itemStore(new ReducedStateItemStore<>(ReducedStateItemStore.NAME_KEY_STATE,
                GenericKubernetesResource.class, metadataOnly.getKubernetesSerialization()));
        informer.addEventHandler(this);
        informer.start();
        return informer;
    }

    /** Namespaces with a Secret named {@code name}, sorted. */
    List<String> namespaces(String name) {
        Set<String> ns = namespacesByName.get(name);
        return ns == null ? List.of() : ns.stream().sorted().toList();
    }

    @Override
    public void onAdd(GenericKubernetesResource s) {
        namespacesByName.computeIfAbsent(s.getMetadata().getName(), k -> ConcurrentHashMap.newKeySet())
                .add(s.getMetadata().getNamespace());
    }

    @Override
    public void onUpdate(GenericKubernetesResource before, GenericKubernetesResource after) {
        // A Secret's name and namespace never change.
    }

    @Override
    public void onDelete(GenericKubernetesResource s, boolean finalStateUnknown) {
        namespacesByName.computeIfPresent(s.getMetadata().getName(), (k, ns) -> {
            ns.remove(s.getMetadata().getNamespace());
            return ns.isEmpty() ? null : ns;
        });
    }
}
