package io.gatewarden.cluster;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Live lists of the Secret names in a namespace, shared. The informer cache may lag a Secret created an
 * instant before the Gateway naming it, so a miss is confirmed live; but one LIST answers every miss: an
 * evaluation asks for a listing begun after the evaluation began, and gets the latest one when that
 * qualifies (in flight or done), so all its misses in a namespace, and those of evaluations begun before
 * it, cost one LIST together, however many credentials they name.
 */
final class SecretListings {
    private record Listing(long begun, CompletableFuture<Set<String>> names) {
    }

    private final Map<String, Listing> latest = new ConcurrentHashMap<>();
    private final Function<String, Set<String>> list;
    private final Executor executor;
    private final LongSupplier nanos;

    /**
     * @param list  the API call: the names of the Secrets in a namespace
     * @param nanos the clock {@code since} values are read from ({@link System#nanoTime()})
     */
    SecretListings(Function<String, Set<String>> list, Executor executor, LongSupplier nanos) {
        this.list = list;
        this.executor = executor;
        this.nanos = nanos;
    }

    /** The names in {@code namespace} per a LIST begun at or after {@code since}: shared, or started now. */
    CompletableFuture<Set<String>> since(String namespace, long since) {
        return latest.compute(namespace, (ns, current) -> current != null && current.begun() - since >= 0 ? current
                : new Listing(nanos.getAsLong(), CompletableFuture.supplyAsync(() -> list.apply(ns), executor))).names();
    }
}
