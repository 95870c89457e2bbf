package io.gatewarden.certificates;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.gatewarden.certificates.process.GatewardenProcess;
import io.gatewarden.certificates.process.ManagedSecrets;
import io.gatewarden.certificates.process.ProcessTestBase;
import io.gatewarden.cluster.Objects;
import io.gatewarden.cluster.SecretData;
import io.gatewarden.pki.Pem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.gatewarden.certificates.process.ManagedSecrets.CA_NAMESPACE;
import static io.gatewarden.certificates.process.ManagedSecrets.WORKLOAD_NS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18 as a user meets it, against the real API server: the smallest CA lifetime the settings accept
 * (90 s = 3 × a 30 s leaf lifetime, with the harness's fast leader election) from a fresh CA Secret, for five
 * minutes. The CA Secret and both leaf Secrets are watched (every version) and polled every second; readiness
 * of both processes is polled every 250 ms. Meanwhile a second process that can never get a CA (it follows a Lease someone else
 * holds, and its CA Secret does not exist) shows that an unhappy certificate manager degrades provisioning
 * (WARN, Event, metric), never readiness. Also: a bad combination stops start-up naming the setting.
 */
class CaRotationIT extends ProcessTestBase {
    static final Duration LEAF_LIFETIME = Duration.ofSeconds(30);
    static final Duration CA_LIFETIME = LEAF_LIFETIME.multipliedBy(3);
    /** Five minutes, as the issue asks; shorter only when developing (-Dgatewarden.it.caRotationSeconds=…). */
    static final Duration RUN = Duration.ofSeconds(Long.getLong("gatewarden.it.caRotationSeconds", 300));
    static final Duration READY_WITHIN = Duration.ofSeconds(10);
    /** How late a rotation or a leaf's move to the new CA may be seen (scheduling on a shared 2-core machine). */
    static final Duration PROMPT = Duration.ofSeconds(5);
    /**
     * After a rotation the leader re-issues every managed Secret in the cluster, one after another; earlier
     * tests in the same API server leave theirs behind (BurstKillRestartIT: over a hundred). Each may take this.
     */
    static final Duration PER_SECRET = Duration.ofMillis(100);

    record CaVersion(Instant seen, Watcher.Action action, X509Certificate cert, int previousCount, int previousBytes) {
    }

    record LeafObservation(Instant at, String how, String secret, String issuer, List<String> problems) {
    }

    record Readiness(Instant at, boolean ready, String issuingCa) {
    }

    @Test
    @Timeout(value = 9, unit = TimeUnit.MINUTES)
    void theSmallestCaLifetimeRotatesOnTimeWithoutAStormAndAdmissionStaysReady() throws Exception {
        String ns = "it-ca-" + run;
        cluster.ensureNamespace(ns);
        String caSecret = "it-ca-" + run;
        Map<String, String> hosts = new LinkedHashMap<>();
        hosts.put("it-ca-" + run + "-a", "a-" + run + ".example.com");
        hosts.put("it-ca-" + run + "-b", "b-" + run + ".example.com");
        List<CaVersion> caVersions = Collections.synchronizedList(new ArrayList<>());
        List<LeafObservation> leaves = Collections.synchronizedList(new ArrayList<>());
        List<String> watchErrors = Collections.synchronizedList(new ArrayList<>());
        List<Watch> watches = new ArrayList<>();
        watches.add(client.secrets().inNamespace(CA_NAMESPACE).withName(caSecret).watch(watcher(watchErrors, (a, s) ->
                caVersions.add(caVersion(a, s)))));
        for (String name : hosts.keySet()) {
            watches.add(client.secrets().inNamespace(WORKLOAD_NS).withName(name).watch(watcher(watchErrors, (a, s) ->
                    leaves.add(observe(s, "watch " + a, hosts.get(name), ns)))));
        }
        hosts.forEach((name, host) -> ManagedSecrets.createGateway(client, ManagedSecrets.gateway(ns, "gw-" + name, name, host)));
        int managed = client.secrets().inNamespace(WORKLOAD_NS).withLabel("gatewarden.io/managed", "true").list()
                .getItems().size();
        Duration reissueAll = PROMPT.plus(PER_SECRET.multipliedBy(managed + hosts.size()));
        System.out.printf("[CaRotationIT] %d managed secrets already in %s: leaves may take up to %s to move%n",
                managed, WORKLOAD_NS, reissueAll);

        // The unhappy one: follows a Lease held by someone else for an hour, so it never creates its CA Secret.
        String heldLease = "it-ca-held-" + run;
        client.resources(Lease.class).inNamespace(CA_NAMESPACE).resource(new LeaseBuilder().withNewMetadata()
                .withName(heldLease).withNamespace(CA_NAMESPACE).endMetadata().withNewSpec()
                .withHolderIdentity("someone-else").withLeaseDurationSeconds(3600)
                .withAcquireTime(ZonedDateTime.now()).withRenewTime(ZonedDateTime.now()).endSpec().build()).create();
        String missingCa = "it-ca-missing-" + run;

        Instant start = Instant.now();
        GatewardenProcess leader = GatewardenProcess.start(cluster.kubeconfigPath(), "it-ca-" + run,
                "CaRotationIT-leader-" + run + ".log", Map.of(
                        "gatewarden.certificates.lifetime", LEAF_LIFETIME.toSeconds() + "s",
                        "gatewarden.certificates.ca-lifetime", CA_LIFETIME.toSeconds() + "s",
                        "gatewarden.certificates.ca-secret", caSecret,
                        "gatewarden.certificates.leader-election.lease-name", "it-ca-" + run));
        processes.add(leader);
        List<Readiness> leaderReady = new ArrayList<>();
        List<Readiness> followerReady = new ArrayList<>();
        do { // the follower starts once the leader is up: two JVMs starting at once on two cores is another test
            leaderReady.add(readiness(leader));
            Thread.sleep(250);
        } while (!leaderReady.get(leaderReady.size() - 1).ready() && leader.secondsSinceStart() < 60);
        Instant followerStart = Instant.now();
        GatewardenProcess follower = GatewardenProcess.start(cluster.kubeconfigPath(), "it-ca-follower-" + run,
                "CaRotationIT-follower-" + run + ".log", Map.of(
                        "gatewarden.certificates.ca-secret", missingCa,
                        "gatewarden.certificates.leader-election.lease-name", heldLease));
        processes.add(follower);

        long nextPoll = 0;
        while (leader.secondsSinceStart() < RUN.toSeconds()) {
            leaderReady.add(readiness(leader));
            followerReady.add(readiness(follower));
            if (System.nanoTime() >= nextPoll) {
                nextPoll = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                for (String name : hosts.keySet()) {
                    Secret s = client.secrets().inNamespace(WORKLOAD_NS).withName(name).get();
                    if (s != null) {
                        leaves.add(observe(s, "poll", hosts.get(name), ns));
                    }
                }
            }
            Thread.sleep(250);
        }
        Instant end = Instant.now();
        String leaderMetrics = leader.metrics().orElse("");
        String followerMetrics = follower.metrics().orElse("");
        watches.forEach(Watch::close);

        List<CaVersion> cas = List.copyOf(caVersions);
        List<LeafObservation> seen = List.copyOf(leaves);
        report(start, end, cas, seen, leaderReady, followerReady, hosts.keySet());

        assertEquals(List.of(), watchErrors, "the watches stayed open");
        readyWithinAndThroughout("leader", start, READY_WITHIN, leaderReady);
        // The follower starts while the leader issues the first round: its start-up is not the point, its staying
        // ready without a CA is.
        readyWithinAndThroughout("follower without a CA", followerStart, Duration.ofSeconds(60), followerReady);

        // CA writes: no more than the rotations that fell due, plus the creation; each on time, none early.
        assertTrue(cas.stream().allMatch(v -> v.action() != Watcher.Action.DELETED), "the CA Secret is never deleted");
        long due = cas.stream().filter(v -> !ManagedSecrets.renewalTime(v.cert()).isAfter(end)).count();
        assertTrue(cas.size() <= due + 1, cas.size() + " CA writes for " + due + " due rotations");
        long expectedRotations = RUN.toSeconds() / (CA_LIFETIME.toSeconds() * 2 / 3) - 1;
        assertTrue(cas.size() - 1 >= expectedRotations, "rotations happened: " + (cas.size() - 1));
        for (int i = 1; i < cas.size(); i++) {
            X509Certificate before = cas.get(i - 1).cert();
            X509Certificate after = cas.get(i).cert();
            Duration gap = Duration.between(ManagedSecrets.issuedAt(before), ManagedSecrets.issuedAt(after));
            assertTrue(gap.compareTo(CA_LIFETIME.dividedBy(3)) >= 0, "rotation " + i + " only " + gap + " after the last");
            Duration late = Duration.between(ManagedSecrets.renewalTime(before), ManagedSecrets.issuedAt(after));
            assertTrue(!late.isNegative() && late.compareTo(PROMPT) <= 0, "rotation " + i + " " + late + " after its due time");
        }
        for (CaVersion v : cas) {
            assertTrue(v.previousCount() <= io.gatewarden.pki.CertificateAuthority.MAX_PREVIOUS
                    && v.previousBytes() <= io.gatewarden.pki.CertificateAuthority.MAX_PREVIOUS_PEM_BYTES,
                    "previous.crt bounded: " + v.previousCount() + " certificates, " + v.previousBytes() + " bytes");
        }
        assertEquals(cas.size(), caWrites(leaderMetrics), "gatewarden_certificates_ca_writes_total agrees with the watch");
        assertEquals(List.of(), leader.lines(Pattern.compile("rotation storm")), "the rate guard was never needed");
        assertEquals(cas.size() - 1, leader.lines(Pattern.compile("rotated CA secret ")).size());

        // Every leaf, at every observation, valid and verifying against its own ca.crt, never past its CA.
        List<String> problems = new ArrayList<>();
        seen.forEach(o -> problems.addAll(o.problems()));
        assertEquals(List.of(), problems, "every leaf valid against its own ca.crt at every observation");
        assertTrue(seen.size() >= RUN.toSeconds(), "observed throughout: " + seen.size());
        // ... and re-issued under each new CA, promptly.
        for (CaVersion v : cas) {
            if (Duration.between(v.seen(), end).compareTo(reissueAll) < 0) {
                continue; // rotated in the last seconds: its leaves may still be on their way
            }
            String fp = ManagedSecrets.fingerprint(v.cert());
            for (String name : hosts.keySet()) {
                Optional<LeafObservation> first = seen.stream().filter(o -> o.secret().equals(name)
                        && o.how().startsWith("watch") && fp.equals(o.issuer())).findFirst();
                assertTrue(first.isPresent(), name + " never issued by CA " + fp);
                Duration after = Duration.between(v.seen(), first.get().at());
                assertTrue(after.compareTo(reissueAll) <= 0, name + " moved to CA " + fp + " only " + after + " after it");
            }
        }

        // The unhappy manager: visible in the log, an Event and a metric, while readiness stayed up.
        assertTrue(followerReady.get(followerReady.size() - 1).issuingCa().contains("does not exist yet"),
                followerReady.get(followerReady.size() - 1).issuingCa());
        assertTrue(follower.lines(Pattern.compile("WARN .*no usable issuing CA for [0-9.]+s: CA secret " + CA_NAMESPACE
                + "/" + missingCa)).size() >= 1, follower.tail(20));
        List<Event> events = client.v1().events().inNamespace(CA_NAMESPACE).list().getItems().stream()
                .filter(e -> missingCa.equals(e.getInvolvedObject().getName())
                        && "IssuingCaUnavailable".equals(e.getReason())).toList();
        assertTrue(!events.isEmpty() && "Warning".equals(events.get(0).getType()), "Event on " + missingCa + ": " + events);
        assertTrue(followerMetrics.contains("gatewarden_certificates_ca_available 0.0"), "ca_available gauge is 0");
        assertTrue(leaderMetrics.contains("gatewarden_certificates_ca_available 1.0"), "ca_available gauge is 1");
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aBadCombinationStopsStartUpNamingTheSetting() {
        GatewardenProcess p = GatewardenProcess.start(cluster.kubeconfigPath(), "it-ca-bad-" + run,
                "CaRotationIT-bad-" + run + ".log", Map.of(
                        "gatewarden.certificates.lifetime", "90s", "gatewarden.certificates.ca-lifetime", "180s"));
        processes.add(p);
        assertEquals(1, p.awaitExit(Duration.ofSeconds(90)), p.tail(20));
        List<String> lines = p.lines();
        assertTrue(!lines.isEmpty() && lines.get(0).startsWith("Gatewarden cannot start: a setting breaks a rule"),
                "the message comes first: " + p.tail(20));
        assertTrue(lines.get(1).startsWith("  - gatewarden.certificates.ca-lifetime=180s must be at least 3 × "
                + "gatewarden.certificates.lifetime (90s), i.e. ≥ 270s"), lines.get(1));
        assertTrue(lines.size() <= 3, "nothing but the message: " + lines);
    }

    // ---- observations ----

    interface Seen {
        void accept(Watcher.Action action, Secret secret);
    }

    static Watcher<Secret> watcher(List<String> errors, Seen seen) {
        return new Watcher<>() {
            @Override
            public void eventReceived(Action action, Secret s) {
                seen.accept(action, s);
            }

            @Override
            public void onClose(WatcherException cause) {
                errors.add(String.valueOf(cause));
            }
        };
    }

    static CaVersion caVersion(Watcher.Action action, Secret s) {
        SecretData d = Objects.secret(s);
        byte[] previous = d.value(CaStore.PREVIOUS_CRT);
        try {
            return new CaVersion(Instant.now(), action, Pem.certificates(d.value("tls.crt")).get(0),
                    previous == null ? 0 : Pem.certificates(previous).size(), previous == null ? 0 : previous.length);
        } catch (Exception e) {
            throw new AssertionError("CA secret " + s.getMetadata().getName() + " unparsable", e);
        }
    }

    /** ManagedSecrets' checks against the Secret's own ca.crt, plus: the leaf ends no later than that CA. */
    static LeafObservation observe(Secret s, String how, String host, String ns) {
        Instant now = Instant.now();
        String name = s.getMetadata().getName();
        List<String> problems = new ArrayList<>();
        try {
            SecretData d = Objects.secret(s);
            X509Certificate own = Pem.certificates(d.value("ca.crt")).get(0);
            problems.addAll(ManagedSecrets.problems(s, own, host, "Gateway.networking.istio.io/" + ns + "/gw-" + name, now));
            X509Certificate leaf = ManagedSecrets.leaf(s);
            if (leaf.getNotAfter().after(own.getNotAfter())) {
                problems.add(name + ": leaf valid until " + leaf.getNotAfter() + ", past its CA's " + own.getNotAfter());
            }
        } catch (Exception e) {
            problems.add(name + " (" + how + "): " + e);
        }
        String issuer = s.getMetadata().getAnnotations() == null ? null
                : s.getMetadata().getAnnotations().get("gatewarden.io/issuer");
        return new LeafObservation(now, how, name, issuer, problems.stream().map(p -> how + " " + now + ": " + p).toList());
    }

    static Readiness readiness(GatewardenProcess p) {
        Optional<GatewardenProcess.Health> h = p.health();
        return new Readiness(Instant.now(), h.map(GatewardenProcess.Health::ready).orElse(false),
                h.map(GatewardenProcess.Health::issuingCa).orElse("no answer"));
    }

    static void readyWithinAndThroughout(String who, Instant start, Duration within, List<Readiness> observations) {
        int first = -1;
        for (int i = 0; i < observations.size() && first < 0; i++) {
            first = observations.get(i).ready() ? i : -1;
        }
        assertTrue(first >= 0, who + " never ready");
        Duration took = Duration.between(start, observations.get(first).at());
        System.out.printf("[CaRotationIT] %s ready %d ms after start, then %d observations, %d not ready%n", who,
                took.toMillis(), observations.size() - first,
                observations.subList(first, observations.size()).stream().filter(r -> !r.ready()).count());
        assertTrue(took.compareTo(within) <= 0, who + " ready only after " + took);
        List<Readiness> unready = observations.subList(first, observations.size()).stream().filter(r -> !r.ready()).toList();
        assertEquals(List.of(), unready, who + " unready after being ready");
    }

    static long caWrites(String metrics) {
        Matcher m = Pattern.compile("(?m)^gatewarden_certificates_ca_writes_total\\{[^}]*\\} ([0-9.]+)$").matcher(metrics);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return Math.round(sum);
    }

    static void report(Instant start, Instant end, List<CaVersion> cas, List<LeafObservation> leaves,
                       List<Readiness> leaderReady, List<Readiness> followerReady, java.util.Set<String> names) {
        StringBuilder r = new StringBuilder("[CaRotationIT] " + Duration.between(start, end).toSeconds() + " s run, CA "
                + CA_LIFETIME.toSeconds() + " s, leaf " + LEAF_LIFETIME.toSeconds() + " s\n");
        for (CaVersion v : cas) {
            String fp = ManagedSecrets.fingerprint(v.cert());
            r.append(String.format("  CA %s %s issued %s (+%d s), due %s, previous %d (%d bytes); leaves moved after",
                    v.action(), fp.substring(0, 8), ManagedSecrets.issuedAt(v.cert()),
                    Duration.between(start, ManagedSecrets.issuedAt(v.cert())).toSeconds(),
                    ManagedSecrets.renewalTime(v.cert()), v.previousCount(), v.previousBytes()));
            for (String n : names) {
                leaves.stream().filter(o -> o.secret().equals(n) && fp.equals(o.issuer()) && o.how().startsWith("watch"))
                        .findFirst().ifPresent(o -> r.append(' ').append(Duration.between(v.seen(), o.at()).toMillis())
                                .append(" ms"));
            }
            r.append('\n');
        }
        r.append(String.format("  CA writes %d; leaf observations %d (%d by watch); readiness observations: leader %d "
                        + "(%d not ready), follower %d (%d not ready)%n", cas.size(), leaves.size(),
                leaves.stream().filter(o -> o.how().startsWith("watch")).count(), leaderReady.size(),
                leaderReady.stream().filter(x -> !x.ready()).count(), followerReady.size(),
                followerReady.stream().filter(x -> !x.ready()).count()));
        System.out.print(r);
    }
}
