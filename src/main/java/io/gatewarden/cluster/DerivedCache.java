package io.gatewarden.cluster;

import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The values of {@link Derivation}s over one stored cluster state, shared by every evaluation. A
 * value is reused while the generation of each kind it reads is unchanged, so a Pod update
 * recomputes what depends on workloads and nothing else. Thread-safe; two threads may compute the
 * same value once each after a change, which is harmless since derivations are pure.
 */
public final class DerivedCache {
    private final ClusterView stored;
    private final Map<Derivation<?>, Entry> entries = new ConcurrentHashMap<>();

    private record Entry(Object value, long[] generations) {
    }

    /** @param stored the stored state the values are derived from; {@link ClusterView#generation} tells changes */
    public DerivedCache(ClusterView stored) {
        this.stored = stored;
    }

    public <T> T get(Derivation<T> derivation) {
        long[] before = generations(derivation);
        Entry entry = entries.get(derivation);
        if (entry != null && Arrays.equals(entry.generations, before)) {
            @SuppressWarnings("unchecked") // entries are put under their own derivation only
            T value = (T) entry.value;
            return value;
        }
        T value = derivation.compute(new GuardedSource(derivation));
        if (Arrays.equals(generations(derivation), before)) {
            entries.put(derivation, new Entry(value, before));
        }
        return value;
    }

    private long[] generations(Derivation<?> derivation) {
        long[] g = new long[Kind.values().length];
        for (Kind k : derivation.reads()) {
            g[k.ordinal()] = stored.generation(k);
        }
        return g;
    }

    /** The stored view as one derivation may see it: reading an undeclared kind is a programming error. */
    private final class GuardedSource implements Derivation.Source, ClusterView {
        private final Derivation<?> derivation;

        GuardedSource(Derivation<?> derivation) {
            this.derivation = derivation;
        }

        @Override
        public ClusterView view() {
            return this;
        }

        @Override
        public <U> U get(Derivation<U> other) {
            if (!derivation.reads().containsAll(other.reads())) {
                throw new IllegalStateException(derivation + " uses " + other + " but does not declare all its kinds");
            }
            return DerivedCache.this.get(other);
        }

        private void require(Kind... kinds) {
            for (Kind k : kinds) {
                if (!derivation.reads().contains(k)) {
                    throw new IllegalStateException(derivation + " reads " + k + " but does not declare it");
                }
            }
        }

        @Override
        public List<Resource> resources(Kind kind) {
            require(kind);
            return stored.resources(kind);
        }

        @Override
        public List<Workload> workloads() {
            require(Kind.WORKLOADS.toArray(Kind[]::new));
            return stored.workloads();
        }

        @Override
        public List<ServiceInfo> services() {
            require(Kind.SERVICE);
            return stored.services();
        }

        @Override
        public Optional<SecretData> secret(String namespace, String name) {
            require(Kind.SECRET);
            return stored.secret(namespace, name);
        }

        @Override
        public List<String> namespacesWithSecret(String name) {
            require(Kind.SECRET);
            return stored.namespacesWithSecret(name);
        }

        @Override
        public SecretAccess secretAccess(String namespace, String serviceAccount) {
            require(Kind.RBAC.toArray(Kind[]::new));
            return stored.secretAccess(namespace, serviceAccount);
        }

        @Override
        public long generation(Kind kind) {
            return stored.generation(kind);
        }

        @Override
        public DerivedCache derived() {
            return DerivedCache.this;
        }
    }
}
