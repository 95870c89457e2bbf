package io.gatewarden.certificates;

import io.gatewarden.certificates.process.ProcessTestBase;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.gatewarden.certificates.process.Await;
import io.gatewarden.certificates.process.GatewardenProcess;
import io.gatewarden.certificates.process.ManagedSecrets;
import io.gatewarden.cluster.SecretData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static io.gatewarden.certificates.process.ManagedSecrets.WORKLOAD_NS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One Gatewarden process, 200 Gateways created as fast as the API takes them, the process SIGKILLed while it
 * is provisioning (once a quarter of the Secrets exist), then restarted: in the end there is exactly one
 * complete, valid Secret per Gateway, none was ever observed half-written, deleted or written twice.
 */
class BurstKillRestartIT extends ProcessTestBase {
    static final int GATEWAYS = 200;
    /** Kill once this many of the Secrets exist (25 %). */
    static final int KILL_AT = 50;


    GatewardenProcess start(String identity, String logName) {
        GatewardenProcess p = GatewardenProcess.start(cluster.kubeconfigPath(), identity, logName, Map.of());
        processes.add(p);
        return p;
    }

    String secretName(int i) {
        return "it-burst-" + run + "-" + i;
    }

    /** What the watch saw, per Secret name of this test. */
    static final class Seen {
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void kill9MidBurstThenRestartLeavesExactlyOneCompleteSecretPerGateway() throws Exception {
        String ns = "it-burst-" + run;
        cluster.ensureNamespace(ns);
        String identity = "it-burst-" + run;
        GatewardenProcess first = start(identity, "BurstKillRestartIT-" + identity + "-1.log");
        Await.until(identity + " ready and leading", Duration.ofSeconds(60), Duration.ofMillis(200),
                first::health, h -> h.isPresent() && h.get().ready() && h.get().certificateLeader());
        X509Certificate ca = ManagedSecrets.issuingCa(client);

        Map<String, Integer> index = new ConcurrentHashMap<>();
        for (int i = 0; i < GATEWAYS; i++) {
            index.put(secretName(i), i);
        }
        Map<String, Seen> seen = new ConcurrentHashMap<>();
        Set<String> created = ConcurrentHashMap.newKeySet();
        CountDownLatch killPoint = new CountDownLatch(KILL_AT);
        List<String> watchErrors = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger foreign = new AtomicInteger();
        Watch watch = client.secrets().inNamespace(WORKLOAD_NS).withLabel(SecretData.MANAGED_LABEL, "true")
                .watch(new Watcher<Secret>() {
                    @Override
                    public void eventReceived(Action action, Secret s) {
                        String name = s.getMetadata().getName();
                        Integer i = index.get(name);
                        if (i == null) {
                            foreign.incrementAndGet();
                            return;
                        }
                        Seen x = seen.computeIfAbsent(name, k -> new Seen());
                        x.events.add(action + "@" + s.getMetadata().getResourceVersion());
                        if (action == Action.DELETED) {
                            x.problems.add(name + " DELETED");
                            return;
                        }
                        x.problems.addAll(ManagedSecrets.problems(s, ca, "gw-" + i + ".example.com",
                                "Gateway.networking.istio.io/" + ns + "/gw-" + i, Instant.now()));
                        if (action == Action.ADDED && created.add(name)) {
                            killPoint.countDown();
                        }
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                        watchErrors.add(String.valueOf(cause));
                    }
                });
        try {
            // The burst: 200 Gateways from 16 threads.
            long burstStart = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(16);
            List<Future<?>> creations = new ArrayList<>();
            try {
                for (int i = 0; i < GATEWAYS; i++) {
                    int n = i;
                    creations.add(pool.submit(() -> ManagedSecrets.createGateway(client,
                            ManagedSecrets.gateway(ns, "gw-" + n, secretName(n), "gw-" + n + ".example.com"))));
                }
                assertTrue(killPoint.await(60, TimeUnit.SECONDS), "only " + created.size() + " secrets within 60 s");
                first.kill9();
                long killMs = (System.nanoTime() - burstStart) / 1_000_000;
                int seenAtKill = created.size();
                for (Future<?> f : creations) {
                    f.get(60, TimeUnit.SECONDS); // every Gateway was created
                }
                long gatewaysMs = (System.nanoTime() - burstStart) / 1_000_000;
                int existingAtKill = ours().size(); // nothing writes between the kill and the restart
                System.out.printf("[BurstKillRestartIT] killed %s %d ms into the burst with %d secrets seen "
                                + "(%d exist = %d%%); all %d gateways created after %d ms%n", first.identity(), killMs,
                        seenAtKill, existingAtKill, existingAtKill * 100 / GATEWAYS, GATEWAYS, gatewaysMs);
                assertTrue(existingAtKill >= KILL_AT && existingAtKill < GATEWAYS,
                        "the kill landed in the middle of the burst: " + existingAtKill + " of " + GATEWAYS + " existed");
            } finally {
                pool.shutdownNow();
            }

            // Restart (same identity: a restarted pod keeps its name) and let it finish.
            long restart = System.nanoTime();
            GatewardenProcess second = start(identity, "BurstKillRestartIT-" + identity + "-2.log");
            Await.until(identity + " ready and leading again", Duration.ofSeconds(60), Duration.ofMillis(200),
                    second::health, h -> h.isPresent() && h.get().ready() && h.get().certificateLeader());
            long readyMs = (System.nanoTime() - restart) / 1_000_000;
            Await.until("all " + GATEWAYS + " secrets exist", Duration.ofSeconds(120), Duration.ofMillis(250),
                    () -> ours().size(), n -> n >= GATEWAYS);
            long doneMs = (System.nanoTime() - restart) / 1_000_000;
            System.out.printf("[BurstKillRestartIT] restarted instance ready after %d ms, all %d secrets after %d ms%n",
                    readyMs, GATEWAYS, doneMs);
            Thread.sleep(2_000); // room for a wrong extra write (duplicate, re-issue, orphan annotation) to show

            // Exactly one complete, valid secret per demand.
            List<Secret> secrets = ours();
            Set<String> names = secrets.stream().map(s -> s.getMetadata().getName()).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(new TreeSet<>(index.keySet()), names, "one secret per Gateway, no others");
            assertEquals(GATEWAYS, secrets.size());
            List<String> problems = new ArrayList<>();
            for (Secret s : secrets) {
                int i = index.get(s.getMetadata().getName());
                problems.addAll(ManagedSecrets.problems(s, ca, "gw-" + i + ".example.com", "Gateway.networking.istio.io/" + ns + "/gw-" + i,
                        Instant.now()));
                if (s.getMetadata().getAnnotations().containsKey("gatewarden.io/orphaned-since")) {
                    problems.add(s.getMetadata().getName() + " annotated orphaned");
                }
            }
            assertEquals(List.of(), problems, "every secret complete and valid");

            // Every version the watch saw was complete; each secret was added once and never rewritten or deleted.
            assertEquals(List.of(), watchErrors, "the watch stayed open");
            Await.until("the watch saw all " + GATEWAYS, Duration.ofSeconds(10), Duration.ofMillis(100),
                    seen::size, n -> n == GATEWAYS);
            List<String> versionProblems = new ArrayList<>();
            Map<String, List<String>> rewritten = new TreeMap<>();
            seen.forEach((name, x) -> {
                versionProblems.addAll(x.problems);
                if (x.events.size() != 1 || !x.events.get(0).startsWith("ADDED")) {
                    rewritten.put(name, List.copyOf(x.events));
                }
            });
            assertEquals(List.of(), versionProblems, "no half-written version was ever visible");
            assertEquals(Map.of(), rewritten, "each secret written exactly once (ADDED, never MODIFIED/DELETED)");

            // The processes' own account: no secret created twice, nothing renewed after the restart.
            Map<String, Integer> creates = new TreeMap<>();
            Pattern createdLine = Pattern.compile("created secret " + WORKLOAD_NS + "/(it-burst-" + run + "-\\d+) ");
            for (GatewardenProcess p : List.of(first, second)) {
                for (String line : p.lines(createdLine)) {
                    Matcher m = createdLine.matcher(line);
                    if (m.find()) {
                        creates.merge(m.group(1), 1, Integer::sum);
                    }
                }
            }
            int logged1 = first.lines(createdLine).size();
            int logged2 = second.lines(createdLine).size();
            System.out.printf("[BurstKillRestartIT] 'created secret' lines: %d before the kill, %d after the restart "
                    + "(a create acknowledged by the API just before SIGKILL may miss its line)%n", logged1, logged2);
            assertEquals(Map.of(), creates.entrySet().stream().filter(e -> e.getValue() > 1)
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), "secrets created twice");
            assertTrue(logged1 + logged2 >= GATEWAYS - 1 && logged2 <= GATEWAYS - KILL_AT,
                    "creations logged: " + logged1 + " + " + logged2);
            assertEquals(List.of(), second.lines(Pattern.compile("renewed secret " + WORKLOAD_NS + "/it-burst-" + run)),
                    "the restarted instance kept the first instance's valid secrets");
            List<String> errors = second.lines(Pattern.compile(" ERROR "));
            if (!errors.isEmpty()) { // e.g. API timeouts on a starved machine: retried, so not a failure by itself
                System.out.println("[BurstKillRestartIT] errors logged after the restart:\n" + String.join("\n", errors));
            }
        } finally {
            watch.close();
        }
    }

    List<Secret> ours() {
        return client.secrets().inNamespace(WORKLOAD_NS).withLabel(SecretData.MANAGED_LABEL, "true").list().getItems()
                .stream().filter(s -> s.getMetadata().getName().startsWith("it-burst-" + run + "-")).toList();
    }
}
