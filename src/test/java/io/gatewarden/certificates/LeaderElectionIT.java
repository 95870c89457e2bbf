package io.gatewarden.certificates;

import io.gatewarden.certificates.process.ProcessTestBase;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.gatewarden.certificates.process.Await;
import io.gatewarden.certificates.process.GatewardenProcess;
import io.gatewarden.certificates.process.ManagedSecrets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static io.gatewarden.certificates.process.ManagedSecrets.WORKLOAD_NS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two Gatewarden processes share the Lease {@code gatewarden/gatewarden-certificates}: exactly one leads and
 * only it writes Secrets; after the leader is SIGKILLed (it cannot release the Lease) the other takes over
 * once the Lease expires (6 s here) and provisions from then on.
 */
class LeaderElectionIT extends ProcessTestBase {
    static final String LEASE = "gatewarden-certificates";
    /** Lines a replica logs when it writes a Secret (created/renewed) or touches an orphan. */
    static final Pattern WRITE_LINE = Pattern.compile("(created|renewed) secret |deleted orphaned secret |is orphaned");
    static final Duration LEASE_DURATION = Duration.ofSeconds(6);


    GatewardenProcess start(String identity) {
        GatewardenProcess p = GatewardenProcess.start(cluster.kubeconfigPath(), identity,
                "LeaderElectionIT-" + identity + ".log", Map.of());
        processes.add(p);
        return p;
    }

    static Optional<String> leaseHolder() {
        Lease lease = client.resources(Lease.class).inNamespace(ManagedSecrets.CA_NAMESPACE).withName(LEASE).get();
        return Optional.ofNullable(lease).map(l -> l.getSpec().getHolderIdentity());
    }

    static Set<String> managers(Secret s) {
        Set<String> m = new TreeSet<>();
        for (ManagedFieldsEntry e : s.getMetadata().getManagedFields()) {
            m.add(e.getManager());
        }
        return m;
    }

    static Secret awaitSecret(String name, Duration timeout) {
        return Await.until("secret " + WORKLOAD_NS + "/" + name + " exists", timeout, Duration.ofMillis(100),
                () -> client.secrets().inNamespace(WORKLOAD_NS).withName(name).get(), java.util.Objects::nonNull);
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void onlyTheLeaderWritesAndTheFollowerTakesOverAfterKill9() throws Exception {
        String ns = "it-leader-" + run;
        cluster.ensureNamespace(ns);
        GatewardenProcess a = start("it-le-a-" + run);
        GatewardenProcess b = start("it-le-b-" + run);
        // Both ready and exactly one leading.
        Await.until("both ready, exactly one leader", Duration.ofSeconds(90), Duration.ofMillis(200),
                () -> List.of(a.health(), b.health()),
                hs -> hs.stream().allMatch(h -> h.isPresent() && h.get().ready())
                        && hs.stream().filter(h -> h.get().certificateLeader()).count() == 1);
        // ... and never two: sample for 3 s.
        for (int i = 0; i < 15; i++) {
            boolean la = a.isLeader();
            boolean lb = b.isLeader();
            assertTrue(!(la && lb), "two leaders at sample " + i);
            Thread.sleep(200);
        }
        GatewardenProcess leader = Await.until("exactly one leader", Duration.ofSeconds(20), Duration.ofMillis(200),
                () -> List.of(a.isLeader(), b.isLeader()), l -> l.get(0) ^ l.get(1)).get(0) ? a : b;
        GatewardenProcess follower = leader == a ? b : a;
        Await.until("Lease held by the leader", Duration.ofSeconds(10), Duration.ofMillis(100),
                LeaderElectionIT::leaseHolder, h -> h.equals(Optional.of(leader.identity())));
        System.out.printf("[LeaderElectionIT] leader %s (pid %d), follower %s (pid %d)%n", leader.identity(),
                leader.pid(), follower.identity(), follower.pid());

        // A Gateway: its Secret is written by the leader only.
        String first = "it-le-one-" + run;
        String firstHost = "one-" + run + ".example.com";
        long t0 = System.nanoTime();
        ManagedSecrets.createGateway(client, ManagedSecrets.gateway(ns, "gw-one", first, firstHost));
        Secret one = awaitSecret(first, Duration.ofSeconds(15));
        System.out.printf("[LeaderElectionIT] first secret after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        X509Certificate ca = ManagedSecrets.issuingCa(client);
        assertEquals(List.of(), ManagedSecrets.problems(one, ca, firstHost, "Gateway.networking.istio.io/" + ns + "/gw-one", Instant.now()));
        assertEquals(Set.of(GatewardenProcess.fieldManager(leader.identity())), managers(one),
                "managedFields: the leader (and nobody else) wrote " + first);
        Await.until("leader logged the creation", Duration.ofSeconds(5), Duration.ofMillis(100),
                () -> leader.lines(Pattern.compile("created secret " + WORKLOAD_NS + "/" + first + " ")),
                l -> l.size() == 1);
        Thread.sleep(1_000); // the follower's informers have seen the Gateway and the Secret by now
        assertEquals(List.of(), follower.lines(WRITE_LINE), "the follower wrote nothing");
        assertEquals(List.of(), follower.lines(Pattern.compile(" leads: ")), "the follower never led");
        String oneVersion = client.secrets().inNamespace(WORKLOAD_NS).withName(first).get()
                .getMetadata().getResourceVersion();
        assertEquals(one.getMetadata().getResourceVersion(), oneVersion, "written once");

        // kill -9 the leader: the Lease is not released; the follower takes over when it expires.
        long killed = System.nanoTime();
        leader.kill9();
        assertTrue(!leader.isAlive(), "leader gone");
        follower.awaitHealth(LEASE_DURATION.plusSeconds(10), GatewardenProcess.Health::certificateLeader, "leader");
        long takeoverMs = (System.nanoTime() - killed) / 1_000_000;
        System.out.printf("[LeaderElectionIT] takeover %d ms after kill -9 (lease-duration %s)%n", takeoverMs,
                LEASE_DURATION);
        assertTrue(takeoverMs < LEASE_DURATION.plusSeconds(10).toMillis(), "takeover took " + takeoverMs + " ms");
        Await.until("Lease held by the new leader", Duration.ofSeconds(5), Duration.ofMillis(100),
                LeaderElectionIT::leaseHolder, h -> h.equals(Optional.of(follower.identity())));

        // Another Gateway: the new leader provisions it.
        String second = "it-le-two-" + run;
        String secondHost = "two-" + run + ".example.com";
        t0 = System.nanoTime();
        ManagedSecrets.createGateway(client, ManagedSecrets.gateway(ns, "gw-two", second, secondHost));
        Secret two = awaitSecret(second, Duration.ofSeconds(15));
        System.out.printf("[LeaderElectionIT] second secret after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        assertEquals(List.of(), ManagedSecrets.problems(two, ca, secondHost, "Gateway.networking.istio.io/" + ns + "/gw-two", Instant.now()));
        assertEquals(Set.of(GatewardenProcess.fieldManager(follower.identity())), managers(two),
                "managedFields: the new leader wrote " + second);
        Await.until("new leader logged the creation", Duration.ofSeconds(5), Duration.ofMillis(100),
                () -> follower.lines(Pattern.compile("created secret " + WORKLOAD_NS + "/" + second + " ")),
                l -> l.size() == 1);
        // The new leader found the first secret fine: no needless re-issue on takeover.
        Secret oneAfter = client.secrets().inNamespace(WORKLOAD_NS).withName(first).get();
        assertEquals(oneVersion, oneAfter.getMetadata().getResourceVersion(), first + " untouched by the new leader");
        assertEquals(List.of(), follower.lines(Pattern.compile("secret " + WORKLOAD_NS + "/" + first + " ")),
                "the new leader did not rewrite " + first);
        assertEquals(List.of(), leader.lines(Pattern.compile(second)), "the killed leader never saw " + second);
    }

    /**
     * A leader that loses the Lease without dying (frozen by SIGSTOP longer than the lease duration, as in a long
     * GC pause or a network partition) must be able to lead again later: when the replica that took over dies,
     * the surviving replica has to take over, or nobody provisions or renews any certificate any more.
     */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aReplicaThatLostTheLeaseCanLeadAgain() throws Exception {
        String ns = "it-relead-" + run;
        cluster.ensureNamespace(ns);
        GatewardenProcess a = start("it-rl-a-" + run);
        GatewardenProcess b = start("it-rl-b-" + run);
        Await.until("both ready, exactly one leader", Duration.ofSeconds(90), Duration.ofMillis(200),
                () -> List.of(a.health(), b.health()),
                hs -> hs.stream().allMatch(h -> h.isPresent() && h.get().ready())
                        && hs.stream().filter(h -> h.get().certificateLeader()).count() == 1);
        GatewardenProcess first = a.isLeader() ? a : b;
        GatewardenProcess second = first == a ? b : a;

        // Freeze the leader past the lease duration: the other replica takes over.
        long paused = System.nanoTime();
        first.pause();
        try {
            second.awaitHealth(LEASE_DURATION.plusSeconds(10), GatewardenProcess.Health::certificateLeader, "leader");
            System.out.printf("[LeaderElectionIT] %s took over %d ms after %s froze%n", second.identity(),
                    (System.nanoTime() - paused) / 1_000_000, first.identity());
        } finally {
            first.resume();
        }
        // Thawed, the old leader finds the Lease taken and stands down.
        long resumed = System.nanoTime();
        first.awaitHealth(Duration.ofSeconds(15), h -> !h.certificateLeader(), "a follower");
        System.out.printf("[LeaderElectionIT] %s stood down %d ms after it was resumed%n", first.identity(),
                (System.nanoTime() - resumed) / 1_000_000);
        assertTrue(second.isLeader(), "the new leader still leads");

        // Now the new leader dies: the replica that once lost the Lease must take over.
        long killed = System.nanoTime();
        second.kill9();
        try {
            first.awaitHealth(LEASE_DURATION.plusSeconds(10), GatewardenProcess.Health::certificateLeader, "leader");
        } catch (AssertionError e) {
            Optional<String> holder = leaseHolder();
            throw new AssertionError("no replica leads after " + second.identity() + " died: " + first.identity()
                    + " lost the Lease once and never competed for it again (Lease holder: " + holder.orElse("none")
                    + ", expired since " + (System.nanoTime() - killed) / 1_000_000 + " ms)\n" + e.getMessage(), e);
        }
        System.out.printf("[LeaderElectionIT] %s led again %d ms after %s was killed%n", first.identity(),
                (System.nanoTime() - killed) / 1_000_000, second.identity());
        String name = "it-rl-" + run;
        String host = "rl-" + run + ".example.com";
        ManagedSecrets.createGateway(client, ManagedSecrets.gateway(ns, "gw-rl", name, host));
        Secret s = awaitSecret(name, Duration.ofSeconds(15));
        assertEquals(List.of(), ManagedSecrets.problems(s, ManagedSecrets.issuingCa(client), host,
                "Gateway.networking.istio.io/" + ns + "/gw-rl", Instant.now()));
        assertEquals(Set.of(GatewardenProcess.fieldManager(first.identity())), managers(s));
    }
}
