package io.gatewarden.certificates;

import io.gatewarden.cluster.SecretData;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** The CA Secret as the API server would keep it, for {@link CaStore} without a cluster: what SecretWriter does. */
final class InMemoryCaSecret implements CaStore.Writes {
    SecretData current;
    /** Every version written, oldest first. */
    final List<SecretData> written = new ArrayList<>();
    int reads;
    RuntimeException failure;

    @Override
    public SecretWriter.Outcome write(String namespace, String name,
                                      Function<Optional<SecretData>, Optional<SecretWriter.Desired>> decide) {
        reads++;
        if (failure != null) {
            throw failure;
        }
        if (current != null && !current.managed()) {
            return SecretWriter.Outcome.UNMANAGED;
        }
        Optional<SecretWriter.Desired> d = decide.apply(Optional.ofNullable(current));
        if (d.isEmpty()) {
            return SecretWriter.Outcome.UNCHANGED;
        }
        boolean created = current == null;
        current = new SecretData(namespace, name, ManagedSecret.TYPE, Map.copyOf(d.get().labels()),
                Map.copyOf(d.get().annotations()), Map.copyOf(d.get().data()));
        written.add(current);
        return created ? SecretWriter.Outcome.CREATED : SecretWriter.Outcome.UPDATED;
    }

    Optional<SecretData> stored() {
        return Optional.ofNullable(current);
    }
}
