package io.gatewarden.cluster;

import io.gatewarden.model.Kind;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * One fact derived from the stored cluster state (an index, a parsed model, a selection), computed
 * once and reused by every evaluation until an object of a kind it {@link #reads()} changes. A
 * derivation is a constant: it is its own cache key. The kinds are a contract the cache enforces:
 * reading another kind, or using a derivation that reads one, fails (see {@link DerivedCache}).
 *
 * @param <T> what it computes; must depend on the stored state only, never on an object under
 *            review, the settings or the time, and must be safe to share between threads
 */
public final class Derivation<T> {
    private final String name;
    private final Set<Kind> reads;
    private final Function<Source, T> compute;

    private Derivation(String name, Set<Kind> reads, Function<Source, T> compute) {
        this.name = Objects.requireNonNull(name, "name");
        this.reads = Set.copyOf(reads);
        this.compute = Objects.requireNonNull(compute, "compute");
    }

    /** @param reads the kinds whose objects it reads (see {@link Kind#WORKLOADS} for Pods and workload templates) */
    public static <T> Derivation<T> of(String name, Set<Kind> reads, Function<Source, T> compute) {
        return new Derivation<>(name, reads, compute);
    }

    /** The union of some kind sets: for declaring {@link #reads()}. */
    public static Set<Kind> kinds(Set<Kind> first, Kind... more) {
        EnumSet<Kind> all = EnumSet.copyOf(first);
        all.addAll(java.util.Arrays.asList(more));
        return all;
    }

    public String name() {
        return name;
    }

    public Set<Kind> reads() {
        return reads;
    }

    T compute(Source source) {
        return compute.apply(source);
    }

    @Override
    public String toString() {
        return "Derivation[" + name + ", reads " + reads + "]";
    }

    /** What a derivation computes from: the stored view, limited to the kinds it reads, and other derivations. */
    public interface Source {
        ClusterView view();

        <U> U get(Derivation<U> other);
    }
}
