package io.gatewarden.certificates;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * This replica's part in the certificate leader election: it may write only while {@link #mayWrite}
 * (the renewed Lease, see {@link LeaderLease}). fabric8 calls onStartLeading when it merely reads a
 * Lease naming this replica, even an expired one it cannot renew: that callback only wakes the
 * manager; writes are allowed by the Lease alone, never by a callback.
 */
final class LeaderElection {
    private static final Logger LOG = Logger.getLogger(LeaderElection.class);

    /** The Lease and its timing. */
    record Settings(String namespace, String leaseName, String identity, Duration leaseDuration,
                    Duration renewDeadline, Duration retryPeriod) {
    }

    private final KubernetesClient client;
    private final Settings settings;
    private final LeaderLease lease;
    private final Runnable wake;
    private volatile boolean running;
    private volatile CompletableFuture<?> election;

    LeaderElection(KubernetesClient client, Settings settings, io.micrometer.core.instrument.MeterRegistry registry,
                   Runnable wake, Clock clock) {
        this.client = client;
        this.settings = settings;
        this.wake = wake;
        this.lease = new LeaderLease(new LeaseLock(settings.namespace(), settings.leaseName(), settings.identity()),
                settings.leaseDuration(), settings.renewDeadline(), registry, wake, System::nanoTime, clock);
    }

    boolean mayWrite() {
        return lease.mayWrite();
    }

    void start() {
        running = true;
        join();
    }

    /** Releases the Lease, so that another replica takes over at once. */
    void stop() {
        running = false;
        CompletableFuture<?> e = election;
        if (e != null) {
            e.cancel(true);
        }
    }

    private void join() {
        LeaderElector elector = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName(settings.leaseName())
                .withLock(lease)
                .withLeaseDuration(settings.leaseDuration())
                .withRenewDeadline(settings.renewDeadline())
                .withRetryPeriod(settings.retryPeriod())
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(wake, lease::lost,
                        id -> LOG.debugf("certificate leader is %s", id)))
                .build()).build();
        election = elector.start();
        // A fabric8 LeaderElector runs one election: after losing the Lease (GC pause, slow API
        // server) it is done. Rejoin with a new one, after a retry period so that an elector that
        // fails at once cannot spin, or this replica could never lead again.
        election.whenComplete((v, t) -> {
            lease.lost();
            if (running) {
                LOG.infof("%s rejoins the certificate leader election", settings.identity());
                CompletableFuture.delayedExecutor(settings.retryPeriod().toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
                    if (running) {
                        join();
                    }
                });
            }
        });
    }
}
