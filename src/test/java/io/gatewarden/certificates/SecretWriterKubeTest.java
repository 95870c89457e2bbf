package io.gatewarden.certificates;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.gatewarden.kube.KubeCluster;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The write guard of {@link SecretWriter} against a real API server: each create, update and delete
 * asks whether this replica may still write at the last moment, after the (possibly slow) decision.
 */
class SecretWriterKubeTest {
    static final String NS = "writer-guard";
    static KubernetesClient client;

    @BeforeAll
    static void cluster() {
        KubeCluster cluster = KubeCluster.get();
        cluster.ensureNamespace(NS);
        client = cluster.client();
    }

    static SecretWriter.Desired desired(String value) {
        return new SecretWriter.Desired(Map.of("tls.crt", value.getBytes(StandardCharsets.US_ASCII),
                "tls.key", value.getBytes(StandardCharsets.US_ASCII)),
                ManagedSecret.labels(), Map.of());
    }

    @Test
    void aWriteDecidedWhileLeadingIsRefusedWhenTheLeaseEndsBeforeItIsSent() {
        String name = "guard-" + UUID.randomUUID().toString().substring(0, 8);
        AtomicBoolean leading = new AtomicBoolean(true);
        SecretWriter writer = new SecretWriter(client, leading::get);

        // The Lease ends while the certificate is being made (the decision): nothing is created.
        assertThrows(SecretWriter.NotLeaderException.class, () -> writer.write(NS, name, read -> {
            leading.set(false);
            return Optional.of(desired("one"));
        }));
        assertNull(client.secrets().inNamespace(NS).withName(name).get());

        leading.set(true);
        assertEquals(SecretWriter.Outcome.CREATED, writer.write(NS, name, read -> Optional.of(desired("one"))));
        assertThrows(SecretWriter.NotLeaderException.class, () -> writer.write(NS, name, read -> {
            leading.set(false);
            return Optional.of(desired("two"));
        }));
        // The data, not the resourceVersion: a certificate manager of another test in this API server may
        // annotate the secret (orphaned) meanwhile, which is not this writer's update.
        assertEquals(java.util.Base64.getEncoder().encodeToString("one".getBytes(StandardCharsets.US_ASCII)),
                client.secrets().inNamespace(NS).withName(name).get().getData().get("tls.crt"), "not updated");
        assertThrows(SecretWriter.NotLeaderException.class, () -> writer.delete(NS, name));
        assertNotNull(client.secrets().inNamespace(NS).withName(name).get(), "not deleted");
        leading.set(true);
        assertEquals(SecretWriter.Outcome.DELETED, writer.delete(NS, name));
    }
}
