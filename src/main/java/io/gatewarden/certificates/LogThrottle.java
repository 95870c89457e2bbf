package io.gatewarden.certificates;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Logs a recurring problem at once, then at most once per interval per key, saying how many were
 * left out meanwhile: a failure that repeats every retry period stays visible without flooding the log.
 */
final class LogThrottle {
    private final long intervalNanos;
    private final LongSupplier nanos;
    private final Map<String, long[]> state = new ConcurrentHashMap<>(); // key -> {last logged at, left out since}

    LogThrottle(Duration interval, LongSupplier nanos) {
        this.intervalNanos = interval.toNanos();
        this.nanos = nanos;
    }

    /** Calls {@code log} with "" or " (N more since the last report)" when this key is due, else counts it. */
    void run(String key, Consumer<String> log) {
        long now = nanos.getAsLong();
        long[] s = state.computeIfAbsent(key, k -> new long[] {now - intervalNanos, 0});
        String suppressed;
        synchronized (s) {
            if (now - s[0] < intervalNanos) {
                s[1]++;
                return;
            }
            suppressed = s[1] == 0 ? "" : " (" + s[1] + " more since the last report)";
            s[0] = now;
            s[1] = 0;
        }
        log.accept(suppressed);
    }
}
