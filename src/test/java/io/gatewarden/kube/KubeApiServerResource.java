package io.gatewarden.kube;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Points the application's fabric8 {@code KubernetesClient} at the JVM-wide real API server of
 * {@link KubeCluster}. Use {@code @QuarkusTestResource(KubeApiServerResource.class)} (global) or
 * {@code @WithTestResource(value = KubeApiServerResource.class, scope = TestResourceScope.GLOBAL)};
 * the cluster itself outlives every Quarkus restart and stops with the JVM.
 *
 * <p>How: every {@code quarkus.kubernetes-client.*} key is BUILD_AND_RUN_TIME_FIXED in Quarkus
 * 3.34, so a value that differs between augmentation and run time is ignored (with a warning).
 * When none of them is set, Quarkus builds the client from fabric8's
 * {@code Config.autoConfigure(null)}, which reads the {@code kubeconfig} system property each time
 * a client is created; this resource sets that property before the application starts. The
 * kubeconfig uses client-certificate auth (system:masters) and the API server's own CA.
 * Do not set {@code quarkus.kubernetes-client.api-server-url}, {@code kubeconfig-file},
 * {@code token}, ... in the application's test configuration: they would win over the kubeconfig.
 *
 * <p>{@link #start()} also returns the kubeconfig path as {@code gatewarden.test.kubeconfig} and
 * the API server URL as {@code gatewarden.test.kube-api-server-url}, for tests that want them.
 */
public class KubeApiServerResource implements QuarkusTestResourceLifecycleManager {
    /** The fabric8 system property (io.fabric8.kubernetes.client.Config#KUBERNETES_KUBECONFIG_FILE). */
    public static final String FABRIC8_KUBECONFIG_PROPERTY = "kubeconfig";

    private String previousKubeconfig;
    private boolean propertySet;

    @Override
    public Map<String, String> start() {
        KubeCluster cluster = KubeCluster.get();
        previousKubeconfig = System.getProperty(FABRIC8_KUBECONFIG_PROPERTY);
        System.setProperty(FABRIC8_KUBECONFIG_PROPERTY, cluster.kubeconfigPath());
        propertySet = true;
        return Map.of(
                "quarkus.kubernetes-client.devservices.enabled", "false",
                "gatewarden.test.kubeconfig", cluster.kubeconfigPath(),
                "gatewarden.test.kube-api-server-url", cluster.apiServerUrl());
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
