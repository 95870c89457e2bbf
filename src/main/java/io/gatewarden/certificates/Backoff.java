package io.gatewarden.certificates;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Exponential back-off per key (a secret, the CA) after a failure: 1 s doubling up to {@link #max}.
 * Keys nothing asks for any more are dropped ({@link #retainOnly}): a stale entry would keep the next
 * attempt in the past and the loop waking at once, forever. Used by the reconcile thread only.
 */
final class Backoff {
    Duration max = Duration.ofMinutes(5);
    private final Map<String, Integer> failures = new HashMap<>();
    private final Map<String, Instant> notBefore = new HashMap<>();

    boolean ready(String key, Instant now) {
        Instant t = notBefore.get(key);
        return t == null || !now.isBefore(t);
    }

    Duration failed(String key, Instant now) {
        int n = failures.merge(key, 1, Integer::sum) - 1;
        Duration delay = Duration.ofSeconds(1L << Math.min(n, 20));
        delay = delay.compareTo(max) > 0 ? max : delay;
        notBefore.put(key, now.plus(delay));
        return delay;
    }

    void succeeded(String key) {
        failures.remove(key);
        notBefore.remove(key);
    }

    /** Forgets every key but these. */
    void retainOnly(Set<String> keys) {
        failures.keySet().retainAll(keys);
        notBefore.keySet().retainAll(keys);
    }

    Optional<Instant> nextAttempt() {
        return notBefore.values().stream().min(Instant::compareTo);
    }

    Optional<Instant> readyAt(String key) {
        return Optional.ofNullable(notBefore.get(key));
    }
}
