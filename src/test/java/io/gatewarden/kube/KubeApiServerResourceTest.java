package io.gatewarden.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The application's own (CDI) KubernetesClient talks to the harness's real API server, and the
 * Quarkus-loaded copy of KubeCluster attaches to the one cluster of the JVM instead of starting
 * another.
 */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
class KubeApiServerResourceTest {
    @Inject
    KubernetesClient client;

    @Test
    void applicationClientTalksToTheTestApiServer() {
        KubeCluster cluster = KubeCluster.get();
        assertEquals(cluster.apiServerUrl(), client.getConfiguration().getMasterUrl());
        assertEquals("v" + KubeCluster.K8S_VERSION, client.getKubernetesVersion().getGitVersion());
        assertTrue(client.apiextensions().v1().customResourceDefinitions()
                .withName("gateways.networking.istio.io").get() != null);
        assertEquals(cluster.kubeconfigPath(), System.getProperty(KubeApiServerResource.FABRIC8_KUBECONFIG_PROPERTY));
    }
}
