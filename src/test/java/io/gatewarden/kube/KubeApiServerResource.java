package io.gatewarden.kube;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Points the application's fabric8 {@code KubernetesClient} at the JVM-wide real API server of
 * {@link KubeCluster}. Use {@code @QuarkusTestResource(KubeApiServerResource.class)} (global) or
 * {@code @WithTestResource(value = KubeApiServerResource.class, scope = TestResourceScope.GLOBAL)};
 * the cluster itself outlives every Quarkus restart and stops with the JVM.
 *
 * <p>How: the resource sets the fabric8 system property {@code kubeconfig} to the cluster's
 * kubeconfig file before the application starts. With no {@code quarkus.kubernetes-client.*}
 * connection key set, Quarkus builds the client from fabric8's {@code Config.autoConfigure(null)},
 * which reads that property (client-certificate auth as system:masters, the API server's own CA).
 * Why not return {@code quarkus.kubernetes-client.api-server-url}, {@code ca-cert-data},
 * {@code client-cert-data}, {@code client-key-data} or {@code kubeconfig-file}: in Quarkus 3.34
 * they are all BUILD_AND_RUN_TIME_FIXED and test resources start after augmentation, so each
 * returned key logs "Build time property cannot be changed at runtime" (the value is still used).
 * Don't set those keys in the test configuration either: they would win over the kubeconfig.
 *
 * <p>{@code quarkus.kubernetes-client.devservices.enabled=false} is returned for completeness, but
 * Dev Services run during augmentation: only application.properties can switch them off.
 */
public class KubeApiServerResource implements QuarkusTestResourceLifecycleManager {
    /** The fabric8 system property (io.fabric8.kubernetes.client.Config#KUBERNETES_KUBECONFIG_FILE). */
    public static final String FABRIC8_KUBECONFIG_PROPERTY = "kubeconfig";
    public static final String GATEWARDEN_NAMESPACE = "gatewarden";

    private String previousKubeconfig;
    private boolean propertySet;

    @Override
    public Map<String, String> start() {
        KubeCluster cluster = KubeCluster.get();
        cluster.ensureNamespace(GATEWARDEN_NAMESPACE); // the CA secret and the leader Lease live there
        previousKubeconfig = System.getProperty(FABRIC8_KUBECONFIG_PROPERTY);
        System.setProperty(FABRIC8_KUBECONFIG_PROPERTY, cluster.kubeconfigPath());
        propertySet = true;
        return Map.of("quarkus.kubernetes-client.devservices.enabled", "false");
    }

    @Override
    public void stop() {
        if (propertySet) {
            if (previousKubeconfig == null) {
                System.clearProperty(FABRIC8_KUBECONFIG_PROPERTY);
            } else {
                System.setProperty(FABRIC8_KUBECONFIG_PROPERTY, previousKubeconfig);
            }
            propertySet = false;
        }
        // The cluster is JVM-wide: KubeCluster's shutdown hook stops it.
    }
}
