package io.gatewarden.certificates;

import io.gatewarden.demands.IssuanceReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Managed certificates, seconds until each expires, issuances by reason, failures, issuance time; the
 * issuing CA: available, writes, refused writes.
 */
final class CertificateMetrics {
    private final MeterRegistry registry;
    private final AtomicInteger managed = new AtomicInteger();
    private final MultiGauge expiry;
    private final Counter failures;
    private final Timer duration;
    private final Counter caRefusals;
    private final AtomicInteger caAvailable = new AtomicInteger();
    private final Clock clock;
    private List<Expiry> published;

    record Expiry(String namespace, String name, Instant notAfter) {
    }

    CertificateMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
        registry.gauge("gatewarden.certificates.managed", managed);
        expiry = MultiGauge.builder("gatewarden.certificate.expiry.seconds")
                .description("Seconds until the managed certificate expires").register(registry);
        failures = Counter.builder("gatewarden.certificate.issuance.failures")
                .description("Failed issuances (retried with exponential back-off)").register(registry);
        duration = Timer.builder("gatewarden.certificate.issuance.duration")
                .description("Key generation, signing and the Secret write").register(registry);
        caRefusals = Counter.builder("gatewarden.certificates.ca.rotations.refused")
                .description("Times the rate guard stopped CA Secret writes (a rotation storm)").register(registry);
        io.micrometer.core.instrument.Gauge.builder("gatewarden.certificates.ca.available", caAvailable, AtomicInteger::get)
                .description("1 while an issuing CA is loaded, 0 while certificates cannot be issued").register(registry);
    }

    void issued(IssuanceReason reason, long nanos) {
        Counter.builder("gatewarden.certificate.issuances").description("Certificates issued, by reason")
                .tag("reason", reason.label()).register(registry).increment();
        duration.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    void failed() {
        failures.increment();
    }

    /** A CA Secret write: {@code created} or {@code rotated}. */
    void caWritten(boolean created) {
        Counter.builder("gatewarden.certificates.ca.writes").description("Issuing CA Secret writes, by kind")
                .tag("kind", created ? "created" : "rotated").register(registry).increment();
    }

    /** The rate guard refused a CA write (once per episode). */
    void caRefused() {
        caRefusals.increment();
    }

    void caAvailable(boolean available) {
        caAvailable.set(available ? 1 : 0);
    }

    /**
     * The managed count and one expiry gauge per certificate. Each gauge reads the clock when it is
     * scraped, so the rows are registered again only when a certificate comes, goes or is renewed:
     * registering 10,000 rows on every pass cost ~0.1 s.
     */
    void managed(List<Expiry> certificates) {
        managed.set(certificates.size());
        if (certificates.equals(published)) {
            return;
        }
        published = List.copyOf(certificates);
        expiry.register(published.stream().map(c -> MultiGauge.Row.of(
                Tags.of("namespace", c.namespace(), "secret", c.name()), c, this::secondsLeft)).toList(), true);
    }

    private double secondsLeft(Expiry c) {
        return c.notAfter().getEpochSecond() - clock.instant().getEpochSecond();
    }
}
