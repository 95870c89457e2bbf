package io.gatewarden.cluster;

import io.gatewarden.certificates.process.GatewardenProcess;
import io.gatewarden.certificates.process.ProcessTestBase;
import io.gatewarden.kube.ClientKeyKubeconfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code gatewarden serve} out of cluster with a kubeconfig whose client key is an EC key in PKCS#8
 * ({@code BEGIN PRIVATE KEY}, what openssl 3 writes): it used to exit at start with "Invalid DER: object is
 * not integer". The packaged app, a real kubeconfig, the real API server; every other key form is covered at
 * client level by KubeconfigClientKeyKubeTest.
 */
class EcClientKeyIT extends ProcessTestBase {

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void serveStartsAndSyncsWithAnEcPkcs8ClientKey() throws Exception {
        Path kubeconfig = GatewardenProcess.logDir().resolve("ec-pkcs8-kubeconfig-" + run + ".yaml");
        Files.writeString(kubeconfig, ClientKeyKubeconfig.yaml(cluster, ClientKeyKubeconfig.Form.EC_PKCS8,
                "gatewarden-ec-" + run, "system:masters"));
        GatewardenProcess p = GatewardenProcess.start(kubeconfig.toString(), "ec-key-" + run, "EcClientKeyIT.log",
                Map.of("gatewarden.certificates.leader-election.lease-name", "ec-key-it-" + run));
        processes.add(p);
        p.awaitReady(Duration.ofSeconds(120)); // ready = every informer synced through that client
        assertEquals(java.util.List.of(), p.lines(Pattern.compile("Invalid DER|cannot be used")));
    }
}
