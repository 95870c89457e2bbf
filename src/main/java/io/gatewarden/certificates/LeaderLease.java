package io.gatewarden.certificates;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.Lock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The Lease lock of the certificate leader election, decorated so that this replica knows when it
 * may write. fabric8's elector says "leading" whenever it <em>reads</em> a Lease naming this replica,
 * even one that expired long ago (a re-joined elector reads the stale record and calls onStartLeading
 * before trying to renew it). Here leadership is only what the API server accepted: the time of the
 * last successful acquire or renew, on the monotonic clock, and the right to write ends
 * {@code renewDeadline} after it, before any other replica may take the Lease over
 * ({@code leaseDuration} after it). Failures are counted and, for a 403, logged as an error that
 * names the missing permission, at most once per {@link #REPORT_EVERY}.
 */
final class LeaderLease implements Lock {
    private static final Logger LOG = Logger.getLogger(LeaderLease.class);
    static final Duration REPORT_EVERY = Duration.ofMinutes(5);
    /** Why a Lease read or write failed: 403, 409 (another replica wrote first), anything else. */
    private static final List<String> REASONS = List.of("forbidden", "conflict", "error");

    private final Lock lock;
    private final long renewDeadlineNanos;
    private final LongSupplier nanos;
    private final Clock clock;
    private final LogThrottle reports;
    private final MeterRegistry registry;
    private final Runnable onLead;
    private volatile long readAt;
    private volatile long renewedAt;
    private volatile boolean held;
    private volatile boolean writing;

    /**
     * @param onLead called when this replica starts to write
     * @param nanos  monotonic time ({@code System::nanoTime}); {@code clock} is the wall clock fabric8
     *               stamps the Lease's renewTime with
     */
    LeaderLease(Lock lock, Duration leaseDuration, Duration renewDeadline, MeterRegistry registry, Runnable onLead,
                LongSupplier nanos, Clock clock) {
        if (renewDeadline.compareTo(leaseDuration) >= 0) {
            throw new IllegalArgumentException("gatewarden.certificates.leader-election.renew-deadline (" + renewDeadline
                    + ") must be shorter than lease-duration (" + leaseDuration + "): a leader that cannot renew must "
                    + "stop writing before another replica may take the Lease over");
        }
        this.lock = lock;
        this.renewDeadlineNanos = renewDeadline.toNanos();
        this.nanos = nanos;
        this.clock = clock;
        this.registry = registry;
        this.onLead = onLead;
        this.reports = new LogThrottle(REPORT_EVERY, nanos);
        Gauge.builder("gatewarden.certificates.leader", this, l -> l.mayWrite() ? 1 : 0)
                .description("1 while this replica holds the certificate Lease and may write Secrets").register(registry);
        for (String reason : REASONS) {
            failures(reason); // every series from the start, at 0, for dashboards and increase()
        }
    }

    private Counter failures(String reason) {
        return Counter.builder("gatewarden.certificates.lease.renew.failures")
                .description("Failed reads and writes of the certificate Lease (acquire or renew), by reason")
                .tag("reason", reason).register(registry);
    }

    /** Whether this replica may write Secrets now: it holds the Lease and renewed it within the renew deadline. */
    boolean mayWrite() {
        boolean may = held && nanos.getAsLong() - renewedAt < renewDeadlineNanos;
        if (writing && !may) {
            writing = false;
            // INFO: a release at shutdown ends up here too; failed renewals are reported where they fail.
            LOG.infof("%s stops writing certificates: it no longer holds the certificate Lease, or did not renew it "
                    + "within the renew deadline (%d ms)", identity(), renewDeadlineNanos / 1_000_000);
        }
        return may;
    }

    /** fabric8 says leadership ended (renew deadline passed, Lease taken or released). */
    void lost() {
        held = false;
        mayWrite();
    }

    @Override
    public LeaderElectionRecord get(KubernetesClient client) {
        readAt = nanos.getAsLong();
        LeaderElectionRecord record;
        try {
            record = lock.get(client);
        } catch (KubernetesClientException e) {
            throw failed("get", e);
        }
        if (record != null && !identity().equals(record.getHolderIdentity())) {
            // Another replica (or an operator) holds the Lease now: stop at this read, not at the renew
            // deadline fabric8 would wait for, since the new holder may already be writing.
            held = false;
            mayWrite();
        }
        return record;
    }

    @Override
    public void create(KubernetesClient client, LeaderElectionRecord record) {
        write("create", record, () -> lock.create(client, record));
    }

    /** fabric8's ResourceLock updates the Lease with a JSON merge patch: the verb RBAC must grant is patch. */
    @Override
    public void update(KubernetesClient client, LeaderElectionRecord record) {
        write("patch", record, () -> lock.update(client, record));
    }

    private void write(String verb, LeaderElectionRecord record, Runnable write) {
        long at = stamp(record);
        try {
            write.run();
        } catch (KubernetesClientException e) {
            throw failed(verb, e);
        }
        accepted(record, at);
    }

    @Override
    public String identity() {
        return lock.identity();
    }

    @Override
    public String describe() {
        return lock.describe();
    }

    /**
     * The monotonic time the record's renewTime stands for, never later than it: fabric8 takes the
     * renewTime just before it reads the Lease, so the read's start is the later bound; the wall-clock
     * age of renewTime gives the other (a wall clock stepped forward only makes it earlier).
     */
    private long stamp(LeaderElectionRecord record) {
        long now = nanos.getAsLong();
        long age = record.getRenewTime() == null ? 0
                : Math.max(0, Duration.between(record.getRenewTime().toInstant(), clock.instant()).toNanos());
        return Math.min(readAt, now - age);
    }

    private void accepted(LeaderElectionRecord record, long at) {
        boolean ours = identity().equals(record.getHolderIdentity());
        renewedAt = at;
        held = ours;
        if (ours && !writing && mayWrite()) {
            writing = true;
            LOG.infof("%s leads: this replica now writes certificates", identity());
            onLead.run();
        }
        if (!ours) {
            mayWrite();
        }
    }

    private KubernetesClientException failed(String verb, KubernetesClientException e) {
        failures(e.getCode() == 403 ? "forbidden" : e.getCode() == 409 ? "conflict" : "error").increment();
        if (e.getCode() == 403) {
            reports.run("forbidden " + verb, suppressed -> LOG.errorf("%s cannot lead the certificate manager: %s%s",
                    identity(), Forbidden.describe(e, verb, "leases", "coordination.k8s.io"), suppressed));
        } else if (e.getCode() != 409) { // 409: another replica wrote first, the normal end of a race
            reports.run("error " + verb, suppressed -> LOG.warnf("%s could not %s the certificate Lease %s: %s%s",
                    identity(), verb, describe(), e.getMessage(), suppressed));
        }
        mayWrite();
        return e;
    }
}
