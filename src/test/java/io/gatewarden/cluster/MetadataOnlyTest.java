package io.gatewarden.cluster;

import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.SecretList;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The API server's answer for a namespace or cluster without Secrets, read the way the informer reads it. */
class MetadataOnlyTest {
    static final String EMPTY = "{\"kind\":\"PartialObjectMetadataList\",\"apiVersion\":\"meta.k8s.io/v1\","
            + "\"metadata\":{\"resourceVersion\":\"285\"},\"items\":null}";

    @Test
    void anEmptyMetadataListIsReadAsNoItems() {
        assertEquals(List.of(), MetadataOnly.serialization().unmarshal(EMPTY, GenericKubernetesResourceList.class).getItems());
        assertEquals(List.of(), MetadataOnly.serialization().unmarshal(EMPTY, SecretList.class).getItems());
    }
}
