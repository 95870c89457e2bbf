package io.gatewarden.certificates;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.gatewarden.cluster.Objects;
import io.gatewarden.cluster.SecretData;

import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * Writes Secrets safely: reads the current version, lets the caller decide on what it read,
 * writes with that resourceVersion, and on a conflict (someone else wrote meanwhile) reads
 * again and decides again. A Secret without the managed label is never modified or deleted.
 * Every create, update and delete first asks {@code mayWrite} (the leader's Lease still renewed),
 * at the last moment: a pass that outlives the leadership stops there with {@link NotLeaderException}.
 */
public final class SecretWriter {
    static final int ATTEMPTS = 5;

    public enum Outcome { CREATED, UPDATED, DELETED, UNCHANGED, UNMANAGED }

    /** The desired content of a managed Secret; data values are raw bytes. */
    public record Desired(Map<String, byte[]> data, Map<String, String> labels, Map<String, String> annotations) {
    }

    /**
     * What to write and why: {@code why} travels back with the {@link Written} outcome, so the caller
     * learns the reason decided on the Secret as it was actually read.
     */
    public record Change<T>(Desired desired, T why) {
    }

    /** What a write did, and the reason of the change it made (null when none was made). */
    public record Written<T>(Outcome outcome, T why) {
    }

    /** Thrown instead of a write when this replica may no longer write. */
    public static final class NotLeaderException extends RuntimeException {
        NotLeaderException(String what) {
            super("not written (this replica no longer holds the certificate Lease): " + what);
        }
    }

    private final KubernetesClient client;
    private final BooleanSupplier mayWrite;

    public SecretWriter(KubernetesClient client, BooleanSupplier mayWrite) {
        this.client = client;
        this.mayWrite = mayWrite;
    }

    private void guard(String verb, String namespace, String name) {
        if (!mayWrite.getAsBoolean()) {
            throw new NotLeaderException(verb + " secret " + namespace + "/" + name);
        }
    }

    /**
     * Creates or replaces a managed Secret. {@code decide} sees the Secret as just read (empty
     * when absent) and returns what to write, or empty when nothing needs writing any more
     * (for example because another replica already renewed it).
     */
    public Outcome write(String namespace, String name, Function<Optional<SecretData>, Optional<Desired>> decide) {
        return change(namespace, name, read -> decide.apply(read).map(d -> new Change<>(d, null))).outcome();
    }

    /** {@link #write}, with the reason of the change, decided on what was read, coming back with the outcome. */
    public <T> Written<T> change(String namespace, String name,
                                 Function<Optional<SecretData>, Optional<Change<T>>> decide) {
        for (int attempt = 1; ; attempt++) {
            Secret current = client.secrets().inNamespace(namespace).withName(name).get();
            SecretData read = current == null ? null : Objects.secret(current);
            if (read != null && !read.managed()) {
                return new Written<>(Outcome.UNMANAGED, null);
            }
            Optional<Change<T>> change = decide.apply(Optional.ofNullable(read));
            if (change.isEmpty()) {
                return new Written<>(Outcome.UNCHANGED, null);
            }
            try {
                if (current == null) {
                    Secret created = build(namespace, name, null, change.get().desired());
                    guard("create", namespace, name);
                    client.secrets().inNamespace(namespace).resource(created).create();
                    return new Written<>(Outcome.CREATED, change.get().why());
                }
                Secret replacement = build(namespace, name, current.getMetadata().getResourceVersion(),
                        change.get().desired());
                guard("update", namespace, name);
                client.secrets().inNamespace(namespace).resource(replacement).update();
                return new Written<>(Outcome.UPDATED, change.get().why());
            } catch (KubernetesClientException e) {
                // 409: AlreadyExists on create or Conflict on update: a race with another writer. Re-read.
                if (e.getCode() != 409 || attempt >= ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** Marks a managed Secret with an annotation (e.g. orphaned-since); never touches unmanaged ones. */
    public Outcome annotate(String namespace, String name, String key, String value) {
        return write(namespace, name, read -> read.filter(s -> !value.equals(s.annotations().get(key))).map(s -> {
            Map<String, String> annotations = new LinkedHashMap<>(s.annotations());
            annotations.put(key, value);
            return new Desired(s.data(), s.labels(), annotations);
        }));
    }

    /** Deletes a managed Secret, guarded by the resourceVersion that was checked to be managed. */
    public Outcome delete(String namespace, String name) {
        for (int attempt = 1; ; attempt++) {
            Secret current = client.secrets().inNamespace(namespace).withName(name).get();
            if (current == null) {
                return Outcome.UNCHANGED;
            }
            if (!Objects.secret(current).managed()) {
                return Outcome.UNMANAGED;
            }
            try {
                guard("delete", namespace, name);
                client.secrets().inNamespace(namespace).resource(current).lockResourceVersion(
                        current.getMetadata().getResourceVersion()).delete();
                return Outcome.DELETED;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    static Secret build(String namespace, String name, String resourceVersion, Desired d) {
        Map<String, String> data = new LinkedHashMap<>();
        d.data().forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v)));
        return new SecretBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .withResourceVersion(resourceVersion).withLabels(new HashMap<>(d.labels()))
                .withAnnotations(new HashMap<>(d.annotations())).endMetadata()
                .withType(ManagedSecret.TYPE).withData(data).build();
    }
}
