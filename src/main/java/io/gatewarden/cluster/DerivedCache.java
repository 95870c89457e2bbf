package io.gatewarden.cluster;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Facts derived from a cluster state (parsed Gateways, indexes, selector matches), computed once
 * and reused by every review until the state changes. Values must depend only on the stored
 * state, never on the object under review or on the time.
 */
public final class DerivedCache {
    private final LongSupplier generation;
    private final Map<String, Object> values = new ConcurrentHashMap<>();
    private volatile long cachedGeneration = Long.MIN_VALUE;

    /** @param generation changes whenever the state the values are derived from changes */
    public DerivedCache(LongSupplier generation) {
        this.generation = generation;
    }

    /** A cache for a state that never changes (the files of analyze). */
    public static DerivedCache forever() {
        return new DerivedCache(() -> 0);
    }

    @SuppressWarnings("unchecked")
    public <T> T get(String key, Supplier<T> compute) {
        long g = generation.getAsLong();
        if (g != cachedGeneration) {
            synchronized (this) {
                if (g != cachedGeneration) {
                    values.clear();
                    cachedGeneration = g;
                }
            }
        }
        Object v = values.get(key);
        if (v == null) {
            // Not computeIfAbsent: computing one value may ask for another (no recursive updates allowed).
            v = compute.get();
            if (generation.getAsLong() == g) {
                Object previous = values.putIfAbsent(key, v);
                v = previous != null ? previous : v;
            }
        }
        return (T) v;
    }
}
