package io.gatewarden.cluster;

import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Derivations are computed once per state of the kinds they read, and may read nothing else. */
class DerivedCacheTest {

    /** An empty view whose per-kind generations the test moves by hand. */
    private static final class Generations implements ClusterView {
        final Map<Kind, Long> gen = new EnumMap<>(Kind.class);
        final DerivedCache derived = new DerivedCache(this);

        void bump(Kind k) {
            gen.merge(k, 1L, Long::sum);
        }

        @Override
        public long generation(Kind kind) {
            return gen.getOrDefault(kind, 0L);
        }

        @Override
        public List<Resource> resources(Kind kind) {
            return List.of();
        }

        @Override
        public List<Workload> workloads() {
            return List.of();
        }

        @Override
        public List<ServiceInfo> services() {
            return List.of();
        }

        @Override
        public Optional<SecretData> secret(String namespace, String name) {
            return Optional.empty();
        }

        @Override
        public List<String> namespacesWithSecret(String name) {
            return List.of();
        }

        @Override
        public DerivedCache derived() {
            return derived;
        }
    }

    @Test
    void aValueIsRecomputedOnlyWhenAKindItReadsChanges() {
        Generations view = new Generations();
        AtomicInteger gatewayComputations = new AtomicInteger();
        AtomicInteger workloadComputations = new AtomicInteger();
        Derivation<Object> gateways = Derivation.of("g", Set.of(Kind.ISTIO_GATEWAY), s -> {
            gatewayComputations.incrementAndGet();
            return new Object();
        });
        Derivation<Object> workloads = Derivation.of("w", Kind.WORKLOADS, s -> {
            workloadComputations.incrementAndGet();
            return s.view().workloads();
        });
        Object first = view.derived.get(gateways);
        view.derived.get(workloads);
        assertSame(first, view.derived.get(gateways));

        view.bump(Kind.POD); // Pod churn
        assertSame(first, view.derived.get(gateways), "Pods do not invalidate what reads only Gateways");
        view.derived.get(workloads);
        assertEquals(1, gatewayComputations.get());
        assertEquals(2, workloadComputations.get(), "what reads workloads is recomputed");

        view.bump(Kind.ISTIO_GATEWAY);
        assertTrue(first != view.derived.get(gateways));
        assertEquals(2, gatewayComputations.get());
    }

    @Test
    void readingAnUndeclaredKindFails() {
        Generations view = new Generations();
        Derivation<Object> sneaky = Derivation.of("sneaky", Set.of(Kind.ISTIO_GATEWAY),
                s -> s.view().resources(Kind.VIRTUAL_SERVICE));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> view.derived.get(sneaky));
        assertTrue(e.getMessage().contains("VIRTUAL_SERVICE"), e.getMessage());
        Derivation<Object> services = Derivation.of("s", Set.of(Kind.ISTIO_GATEWAY), s -> s.view().services());
        assertThrows(IllegalStateException.class, () -> view.derived.get(services));
    }

    @Test
    void usingADerivationThatReadsMoreKindsFails() {
        Generations view = new Generations();
        Derivation<Object> inner = Derivation.of("inner", Set.of(Kind.SERVICE), s -> s.view().services());
        Derivation<Object> outer = Derivation.of("outer", Set.of(Kind.ISTIO_GATEWAY), s -> s.get(inner));
        assertThrows(IllegalStateException.class, () -> view.derived.get(outer));
        Derivation<Object> honest = Derivation.of("honest", Set.of(Kind.ISTIO_GATEWAY, Kind.SERVICE), s -> s.get(inner));
        assertEquals(List.of(), view.derived.get(honest));
    }
}
