package io.gatewarden.cluster;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.util.List;

/**
 * Makes the API server answer Secret lists and watches with metadata only (PartialObjectMetadata,
 * the content negotiation client-go's metadata informers use): names and namespaces without a byte of
 * Secret data crossing the wire. fabric8 has no API for it, so a client of its own sets the Accept header.
 * The RBAC kinds are watched the same way: only that they change matters (GW314's answers go stale).
 */
final class MetadataOnly implements Interceptor {
    private static final String LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
    private static final String ITEM = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";

    private static final java.util.regex.Pattern METADATA_ONLY =
            java.util.regex.Pattern.compile("/(secrets|roles|rolebindings|clusterroles|clusterrolebindings)$");

    private MetadataOnly() {
    }

    /**
     * A client like {@code base} (same configuration) whose Secret lists and watches carry metadata only.
     * An empty PartialObjectMetadataList comes as {@code "items": null} (an empty SecretList as {@code []}),
     * which fabric8's informer cannot list: its mapper reads a null list as empty.
     */
    static KubernetesClient client(KubernetesClient base) {
        return new KubernetesClientBuilder().withConfig(base.getConfiguration()).withKubernetesSerialization(serialization())
                .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("metadata-only", new MetadataOnly())).build();
    }

    static KubernetesSerialization serialization() {
        ObjectMapper mapper = new ObjectMapper();
        mapper.configOverride(List.class).setSetterInfo(JsonSetter.Value.forValueNulls(Nulls.AS_EMPTY));
        return new KubernetesSerialization(mapper, true);
    }

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
        if ("GET".equals(request.method()) && METADATA_ONLY.matcher(request.uri().getPath()).find()) {
            String query = request.uri().getQuery();
            builder.setHeader("Accept", query != null && query.contains("watch=true") ? ITEM : LIST);
        }
    }
}
