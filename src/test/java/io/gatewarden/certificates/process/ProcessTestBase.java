package io.gatewarden.certificates.process;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.gatewarden.kube.KubeCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * What every process-level test needs: the shared real API server with the ingress fixture and
 * Gatewarden's namespace, a run id for unique names, and the Gatewarden processes it started,
 * stopped after each test.
 */
public abstract class ProcessTestBase {
    protected static KubeCluster cluster;
    protected static KubernetesClient client;
    protected final String run = UUID.randomUUID().toString().substring(0, 6);
    protected final List<GatewardenProcess> processes = new ArrayList<>();

    @BeforeAll
    static void fixture() {
        cluster = KubeCluster.get();
        client = cluster.client();
        cluster.ensureIngressGatewayFixture();
        cluster.ensureNamespace(ManagedSecrets.CA_NAMESPACE);
    }

    /** All at once: each drains for the shipped shutdown delay (5 s) before it exits. */
    @AfterEach
    void stopProcesses() {
        processes.parallelStream().forEach(GatewardenProcess::stop);
    }
}
