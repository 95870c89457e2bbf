package io.gatewarden.admission;

import io.gatewarden.certificates.process.Await;
import io.gatewarden.certificates.process.ContainerImage;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.gatewarden.certificates.process.GatewardenProcess;
import io.gatewarden.certificates.process.ManagedSecrets;
import io.gatewarden.certificates.process.ProcessTestBase;
import io.gatewarden.kube.Kubectl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The container image ({@code mvn -B verify -Pimage}: {@code scripts/build-image.sh}, then this test) run with
 * podman the way the Deployment runs it: its own non-root user, a read-only root filesystem, the entrypoint
 * {@code bin/gatewarden serve}, self-managed webhook TLS. It becomes ready against the test API server (its
 * serving certificate issued into a Secret, the webhook configuration's caBundle written), which then calls it
 * by URL and gets one admission and one denial. The time from starting the container and creating the webhook
 * configuration to the first verdict is printed: the failing-closed window of an install, image pull and
 * scheduling aside.
 */
class ContainerImageIT extends ProcessTestBase {
    static final long MAX_IMAGE_BYTES = 200L * 1000 * 1000;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void theImageServesAdmissionAsNonRootOnAReadOnlyRoot() throws Exception {
        long loading = System.nanoTime();
        ContainerImage image = ContainerImage.load();
        long loaded = System.nanoTime();
        assertEquals("10001:10001", image.inspect("{{.Config.User}}"));
        assertEquals("[/bin/bash /opt/gatewarden/bin/gatewarden] [serve]",
                image.inspect("{{.Config.Entrypoint}} {{.Config.Cmd}}"));
        long size = Long.parseLong(image.inspect("{{.Size}}"));
        System.out.printf("[ContainerImageIT] %s: %.1f MB unpacked, archive %.1f MB, loaded in %d ms%n", image.name(),
                size / 1e6, Files.size(image.archive()) / 1e6, (loaded - loading) / 1_000_000);
        assertTrue(size < MAX_IMAGE_BYTES, "image " + size + " bytes, target < 200 MB");
        assertTrue(Files.readString(Paths.get("k8s", "deployment.yaml")).contains("image: " + image.name() + "\n"),
                "k8s/deployment.yaml runs " + image.name());

        // The test cluster's admin credentials, inlined (the container sees only what is mounted).
        Path kubeconfig = GatewardenProcess.logDir().resolve("image-kubeconfig-" + run + ".yaml");
        Files.writeString(kubeconfig, cluster.kubectl("config", "view", "--raw", "--flatten").assertOk().stdout());
        // As the Deployment runs it: self-managed webhook TLS, the webhook configuration created without caBundle.
        String webhook = "gatewarden-image-it-" + run;
        ContainerImage.Container container = image.container(List.of(kubeconfig));
        String ns = "it-image-" + run;
        cluster.ensureNamespace(ns);
        String good = Serialization.asYaml(ManagedSecrets.gateway(ns, "with-tls", "image-it-tls", "with-tls.example.com"));
        // The install's failing-closed window, without the image pull: the container starts as the (fail-closed)
        // webhook configuration appears, as after `kubectl apply -k k8s/`; until then no CA, certificate or bundle.
        long installed = System.nanoTime();
        GatewardenProcess p = GatewardenProcess.start(container, kubeconfig.toString(), "image-" + run,
                "ContainerImageIT.log", Map.of("gatewarden.certificates.leader-election.lease-name", "image-it-" + run,
                        "gatewarden.webhook.tls", "self", "gatewarden.webhook.secret", "image-it-webhook-tls-" + run,
                        "gatewarden.webhook.extra-dns-names", "localhost",
                        "gatewarden.webhook.validating-configuration", webhook,
                        "gatewarden.webhook.mutating-configuration", webhook));
        processes.add(p);
        cluster.registerValidatingWebhook(webhook, "https://localhost:" + p.httpsPort() + "/validate", null,
                List.of("gateways"));
        try {
            // The window ends with the first verdict: a denial naming its finding can only come from Gatewarden (an
            // admission could also mean the API server had not seen the configuration yet). An HTTPS server
            // without a tls block: GW201.
            String bad = MutatingWebhookKubeTest.httpsOnlyHosts(ns, "no-tls", "no-tls.example.com");
            Kubectl.Result denied = Await.until("a Gateway judged by the image's webhook", Duration.ofSeconds(120),
                    Duration.ofMillis(100), () -> cluster.tryApply(bad, "--dry-run=server"),
                    r -> r.stderr().contains("GW201"));
            System.out.printf("[ContainerImageIT] Gateways judged %.1f s after podman run and the webhook configuration "
                    + "(failing closed until then)%n", (System.nanoTime() - installed) / 1e9);
            assertTrue(!denied.ok() && denied.stderr().contains("denied the request"), denied.describe());
            Kubectl.Result admitted = cluster.tryApply(good, "--dry-run=server");
            assertTrue(admitted.ok(), admitted.describe());
            p.awaitReady(Duration.ofSeconds(30));
            System.out.printf("[ContainerImageIT] ready %.1f s after podman run%n", p.secondsSinceStart());
            String status = Files.readString(Paths.get("/proc", String.valueOf(container.hostPid()), "status"));
            assertTrue(status.lines().anyMatch(l -> l.matches("Uid:\\s+10001\\s+10001\\s+10001\\s+10001")),
                    "the JVM runs as 10001:\n" + status);
        } finally {
            cluster.removeValidatingWebhook(webhook);
        }
    }
}
