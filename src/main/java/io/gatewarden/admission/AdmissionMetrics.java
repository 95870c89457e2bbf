package io.gatewarden.admission;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Reviews by kind, operation and verdict, and their duration with sub-millisecond buckets. */
@ApplicationScoped
public class AdmissionMetrics {
    static final Duration[] BUCKETS = {Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000),
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofSeconds(1)};

    @Inject
    MeterRegistry registry;

    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    /** {@code verdict}: allowed, denied, invalid (HTTP 400) or error (internal failure, denied). */
    public void record(String webhook, String kind, String operation, String verdict, long nanos) {
        String key = webhook + '|' + kind + '|' + operation + '|' + verdict;
        counters.computeIfAbsent(key, k -> Counter.builder("gatewarden.admission.reviews")
                .description("Admission reviews answered").tag("webhook", webhook).tag("kind", kind)
                .tag("operation", operation).tag("verdict", verdict).register(registry)).increment();
        timers.computeIfAbsent(webhook, w -> Timer.builder("gatewarden.admission.review.duration")
                .description("Time to judge one admission review").tag("webhook", w)
                .serviceLevelObjectives(BUCKETS).register(registry)).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
}
