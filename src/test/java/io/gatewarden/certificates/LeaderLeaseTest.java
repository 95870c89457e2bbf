package io.gatewarden.certificates;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.Lock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The write guard's arithmetic with a hand-driven clock and a scripted Lock (the API server's part is
 * LeaseRevocationIT and ServiceAccountRbacIT): writes are allowed only within the renew deadline after a
 * Lease write the API server accepted, never because a record naming this replica was read.
 */
class LeaderLeaseTest {
    static final Duration LEASE = Duration.ofSeconds(15);
    static final Duration RENEW_DEADLINE = Duration.ofSeconds(10);
    static final String ME = "replica-a";

    final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    final Instant epoch = Instant.parse("2026-01-01T00:00:00Z");
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final ScriptedLock lock = new ScriptedLock();
    final AtomicInteger leads = new AtomicInteger();
    final LeaderLease lease = new LeaderLease(lock, LEASE, RENEW_DEADLINE, registry, leads::incrementAndGet,
            nanos::get, new Clock() {
                @Override
                public ZoneOffset getZone() {
                    return ZoneOffset.UTC;
                }

                @Override
                public Clock withZone(java.time.ZoneId zone) {
                    return this;
                }

                @Override
                public Instant instant() {
                    return epoch.plusNanos(nanos.get());
                }
            });

    /** A Lock whose next operations fail with the given HTTP codes (0: succeed). */
    static final class ScriptedLock implements Lock {
        LeaderElectionRecord stored;
        final List<Integer> failures = new ArrayList<>();

        private void maybeFail() {
            int code = failures.isEmpty() ? 0 : failures.remove(0);
            if (code != 0) {
                Status status = new StatusBuilder().withCode(code).withMessage("leases.coordination.k8s.io \"l\" is "
                        + "forbidden: User \"system:serviceaccount:gatewarden:gatewarden\" cannot patch resource "
                        + "\"leases\" in API group \"coordination.k8s.io\" in the namespace \"gatewarden\"").build();
                throw new KubernetesClientException(status);
            }
        }

        @Override
        public LeaderElectionRecord get(KubernetesClient client) {
            maybeFail();
            return stored;
        }

        @Override
        public void create(KubernetesClient client, LeaderElectionRecord r) {
            maybeFail();
            stored = r;
        }

        @Override
        public void update(KubernetesClient client, LeaderElectionRecord r) {
            maybeFail();
            stored = r;
        }

        @Override
        public String identity() {
            return ME;
        }

        @Override
        public String describe() {
            return "LeaseLock: gatewarden - l (" + ME + ")";
        }
    }

    /** What fabric8's tryAcquireOrRenew does: stamp renewTime now, read, then write. */
    void renew(String holder) {
        ZonedDateTime now = ZonedDateTime.ofInstant(epoch.plusNanos(nanos.get()), ZoneOffset.UTC);
        LeaderElectionRecord record = new LeaderElectionRecord(holder, LEASE, now, now, 0);
        LeaderElectionRecord old = lease.get(null);
        if (old == null) {
            lease.create(null, record);
        } else {
            lease.update(null, record);
        }
    }

    void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    double gauge() {
        return registry.get("gatewarden.certificates.leader").gauge().value();
    }

    @Test
    void writesOnlyWithinTheRenewDeadlineOfTheLastAcceptedRenewal() {
        assertFalse(lease.mayWrite(), "nothing acquired yet");
        renew(ME);
        assertTrue(lease.mayWrite());
        assertEquals(1.0, gauge());
        assertEquals(1, leads.get(), "told once that it leads");
        advance(RENEW_DEADLINE.minusMillis(1));
        assertTrue(lease.mayWrite());
        renew(ME);
        advance(RENEW_DEADLINE.minusMillis(1));
        assertTrue(lease.mayWrite(), "the renewal moved the deadline");
        assertEquals(1, leads.get(), "a renewal is not a new leadership");
        advance(Duration.ofMillis(1));
        assertFalse(lease.mayWrite(), "renew deadline passed without a renewal");
        assertEquals(0.0, gauge());
    }

    @Test
    void aStaleRecordNamingThisReplicaIsNotLeadership() {
        // The Lease names this replica (a previous elector, a restart with the same name) but expired long ago;
        // fabric8 calls onStartLeading on reading it. Renewing it is forbidden.
        ZonedDateTime old = ZonedDateTime.ofInstant(epoch, ZoneOffset.UTC);
        lock.stored = new LeaderElectionRecord(ME, LEASE, old, old, 0);
        advance(Duration.ofMinutes(5));
        lock.failures.add(0);
        lock.failures.add(403);
        assertThrows(KubernetesClientException.class, () -> renew(ME));
        assertFalse(lease.mayWrite());
        assertEquals(0, leads.get());
        assertEquals(1.0, registry.get("gatewarden.certificates.lease.renew.failures").tag("reason", "forbidden")
                .counter().count());
    }

    @Test
    void failedRenewalsEndTheRightToWriteAtTheDeadlineEvenWithoutACallback() {
        renew(ME);
        for (int i = 0; i < 5; i++) {
            advance(Duration.ofSeconds(2));
            lock.failures.add(403);
            assertThrows(KubernetesClientException.class, () -> renew(ME));
            assertEquals(i < 4, lease.mayWrite(), "after " + (i + 1) * 2 + " s");
        }
        assertEquals(5.0, registry.get("gatewarden.certificates.lease.renew.failures").tag("reason", "forbidden")
                .counter().count());
    }

    @Test
    void theDeadlineCountsFromTheRecordsRenewTimeWhenTheWriteWasSlow() {
        ZonedDateTime stamped = ZonedDateTime.ofInstant(epoch.plusNanos(nanos.get()), ZoneOffset.UTC);
        lease.get(null);
        advance(Duration.ofSeconds(3)); // the API server took 3 s to accept the write
        lease.create(null, new LeaderElectionRecord(ME, LEASE, stamped, stamped, 0));
        advance(RENEW_DEADLINE.minusSeconds(3));
        assertFalse(lease.mayWrite(), "10 s after renewTime, not after the answer");
    }

    @Test
    void releasingOrLosingTheLeaseEndsWritingAtOnce() {
        renew(ME);
        renew(null); // fabric8's release: holder cleared
        assertFalse(lease.mayWrite());
        renew(ME);
        assertTrue(lease.mayWrite());
        lease.lost();
        assertFalse(lease.mayWrite());
        assertEquals(2, leads.get());
    }

    @Test
    void aLeaseTakenOverByAnotherHolderEndsWritingAtTheNextRead() {
        renew(ME);
        assertTrue(lease.mayWrite());
        ZonedDateTime now = ZonedDateTime.ofInstant(epoch.plusNanos(nanos.get()), ZoneOffset.UTC);
        lock.stored = new LeaderElectionRecord("replica-b", LEASE, now, now, 1); // written behind our back
        advance(Duration.ofSeconds(1));
        lease.get(null); // fabric8's next renewal attempt reads it and, not expired, does not write
        assertFalse(lease.mayWrite(), "another holder: no more writes, 9 s before the renew deadline");
        assertEquals(0.0, gauge());
    }

    @Test
    void aRenewDeadlineNotShorterThanTheLeaseIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LeaderLease(lock, LEASE, LEASE, registry, () -> { }, nanos::get, Clock.systemUTC()));
        assertTrue(e.getMessage().contains("renew-deadline"), e.getMessage());
    }

    @Test
    void aForbiddenAnswerIsDescribedWithVerbResourceNamespaceAndServiceAccount() {
        Status status = new StatusBuilder().withCode(403).withMessage("leases.coordination.k8s.io \"x\" is forbidden: "
                + "User \"system:serviceaccount:gatewarden:gatewarden\" cannot patch resource \"leases\" in API group "
                + "\"coordination.k8s.io\" in the namespace \"gatewarden\"").build();
        assertEquals("403 Forbidden: the API server does not let ServiceAccount gatewarden/gatewarden "
                + "(system:serviceaccount:gatewarden:gatewarden) patch leases.coordination.k8s.io in namespace gatewarden; "
                + "apply k8s/rbac.yaml (or grant that verb to this identity)",
                Forbidden.describe(new KubernetesClientException(status), "update", "leases", "coordination.k8s.io"));
        assertEquals("403 Forbidden: the API server does not let this replica's identity create "
                + "leases.coordination.k8s.io; apply k8s/rbac.yaml (or grant that verb to this identity)",
                Forbidden.describe(new KubernetesClientException("forbidden", 403, null), "create", "leases",
                        "coordination.k8s.io"));
    }

    @Test
    void aRecurringProblemIsLoggedAtOnceThenOncePerInterval() {
        List<String> logged = new ArrayList<>();
        LogThrottle throttle = new LogThrottle(Duration.ofMinutes(5), nanos::get);
        for (int i = 0; i < 10; i++) {
            throttle.run("k", s -> logged.add("a" + s));
            advance(Duration.ofSeconds(40));
        }
        throttle.run("other", s -> logged.add("b" + s));
        assertEquals(List.of("a", "a (7 more since the last report)", "b"), logged);
    }
}
