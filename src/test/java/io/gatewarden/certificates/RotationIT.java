package io.gatewarden.certificates;

import io.gatewarden.certificates.process.ProcessTestBase;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.gatewarden.certificates.process.Await;
import io.gatewarden.certificates.process.GatewardenProcess;
import io.gatewarden.certificates.process.ManagedSecrets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static io.gatewarden.certificates.process.ManagedSecrets.WORKLOAD_NS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Leaf lifetime 30 s, so renewal at 2/3 (every ~20 s): a watch on the Secret checks every version it ever
 * has — never deleted, always valid at the moment it is seen, key matching, host covered — and each
 * renewal lands inside its window: not before the previous certificate's renewal time, before its notAfter.
 */
class RotationIT extends ProcessTestBase {
    static final Duration LIFETIME = Duration.ofSeconds(30);


    /** One version of the Secret as the watch delivered it. */
    record Observation(Watcher.Action action, Instant at, String resourceVersion, BigInteger serial,
                       X509Certificate leaf, List<String> problems) {
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void everyVersionIsValidAndRenewalsLandInTheirWindow() throws Exception {
        String ns = "it-rotation-" + run;
        cluster.ensureNamespace(ns);
        String identity = "it-rot-" + run;
        GatewardenProcess p = GatewardenProcess.start(cluster.kubeconfigPath(), identity,
                "RotationIT-" + identity + ".log", Map.of("gatewarden.certificates.lifetime", LIFETIME.toSeconds() + "s"));
        processes.add(p);
        Await.until(identity + " ready and leading", Duration.ofSeconds(60), Duration.ofMillis(200),
                p::health, h -> h.isPresent() && h.get().ready() && h.get().certificateLeader());
        X509Certificate ca = ManagedSecrets.issuingCa(client);

        String name = "it-rot-" + run;
        String host = "rot-" + run + ".example.com";
        String forResource = "Gateway.networking.istio.io/" + ns + "/gw-rot";
        List<Observation> seen = Collections.synchronizedList(new ArrayList<>());
        List<String> watchErrors = Collections.synchronizedList(new ArrayList<>());
        Watch watch = client.secrets().inNamespace(WORKLOAD_NS).withName(name).watch(new Watcher<Secret>() {
            @Override
            public void eventReceived(Action action, Secret s) {
                Instant now = Instant.now();
                if (action == Action.DELETED) {
                    seen.add(new Observation(action, now, s.getMetadata().getResourceVersion(), null, null,
                            List.of("DELETED")));
                    return;
                }
                List<String> problems = ManagedSecrets.problems(s, ca, host, forResource, now);
                X509Certificate leaf = null;
                try {
                    leaf = ManagedSecrets.leaf(s);
                } catch (Exception e) {
                    // reported by problems()
                }
                seen.add(new Observation(action, now, s.getMetadata().getResourceVersion(),
                        leaf == null ? null : leaf.getSerialNumber(), leaf, problems));
            }

            @Override
            public void onClose(WatcherException cause) {
                watchErrors.add(String.valueOf(cause));
            }
        });
        Map<BigInteger, Observation> firstSeen = new LinkedHashMap<>();
        try {
            Instant created = Instant.now();
            ManagedSecrets.createGateway(client, ManagedSecrets.gateway(ns, "gw-rot", name, host));
            // Until four certificates (three renewals, ~60 s) or 90 s.
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (System.nanoTime() < deadline) {
                synchronized (seen) {
                    seen.forEach(o -> {
                        if (o.serial() != null) {
                            firstSeen.putIfAbsent(o.serial(), o);
                        }
                    });
                }
                if (firstSeen.size() >= 4) {
                    break;
                }
                Thread.sleep(100);
            }
            watch.close();

            List<Observation> all;
            synchronized (seen) {
                all = List.copyOf(seen);
            }
            List<Observation> certs = List.copyOf(firstSeen.values());
            StringBuilder report = new StringBuilder("[RotationIT] Gateway created " + created + "\n");
            Observation prev = null;
            for (Observation o : certs) {
                report.append(String.format("  serial …%s issued %s, seen %s, renewal due %s, notAfter %s",
                        o.serial().toString(16).substring(Math.max(0, o.serial().toString(16).length() - 6)),
                        ManagedSecrets.issuedAt(o.leaf()), o.at(), ManagedSecrets.renewalTime(o.leaf()),
                        o.leaf().getNotAfter().toInstant()));
                if (prev != null) {
                    report.append(String.format("; %d ms after the previous issue, seen %d ms after its renewal time,"
                                    + " %d ms before its notAfter",
                            Duration.between(ManagedSecrets.issuedAt(prev.leaf()), ManagedSecrets.issuedAt(o.leaf())).toMillis(),
                            Duration.between(ManagedSecrets.renewalTime(prev.leaf()), o.at()).toMillis(),
                            Duration.between(o.at(), prev.leaf().getNotAfter().toInstant()).toMillis()));
                }
                report.append('\n');
                prev = o;
            }
            report.append("  ").append(all.size()).append(" versions observed: ")
                    .append(all.stream().map(o -> o.action() + "@" + o.resourceVersion()).toList());
            System.out.println(report);

            assertEquals(List.of(), watchErrors, "the watch stayed open");
            assertTrue(all.stream().noneMatch(o -> o.action() == Watcher.Action.DELETED), "never DELETED");
            List<String> problems = new ArrayList<>();
            all.forEach(o -> problems.addAll(o.problems()));
            assertEquals(List.of(), problems, "every version valid when seen");
            assertTrue(certs.size() >= 3, "at least 3 distinct certificates within 90 s, saw " + certs.size());
            // Serials move forward only: once replaced, a certificate never comes back.
            List<BigInteger> order = new ArrayList<>();
            for (Observation o : all) {
                if (order.isEmpty() || !order.get(order.size() - 1).equals(o.serial())) {
                    order.add(o.serial());
                }
            }
            assertEquals(certs.stream().map(Observation::serial).toList(), order.subList(0, Math.min(order.size(),
                    certs.size())), "no certificate came back after being replaced");
            assertEquals(order.size(), certs.size(), "no certificate came back after being replaced");
            for (int i = 1; i < certs.size(); i++) {
                X509Certificate before = certs.get(i - 1).leaf();
                X509Certificate after = certs.get(i).leaf();
                Instant due = ManagedSecrets.renewalTime(before);
                Instant expiry = before.getNotAfter().toInstant();
                Instant issued = ManagedSecrets.issuedAt(after);
                Instant observed = certs.get(i).at();
                String what = "renewal " + i + " (issued " + issued + ", seen " + observed + ", window " + due + " .. "
                        + expiry + ")";
                assertTrue(!issued.isBefore(due), what + ": issued before the renewal time");
                assertTrue(!observed.isBefore(due), what + ": seen before the renewal time");
                assertTrue(issued.isBefore(expiry) && observed.isBefore(expiry), what + ": not before the old notAfter");
                assertEquals(LIFETIME, Duration.between(ManagedSecrets.issuedAt(after), after.getNotAfter().toInstant()),
                        "lifetime of certificate " + i);
            }
            // Each version was seen: one 'renewed' line per MODIFIED version, one 'created' for the ADDED one.
            long modified = all.stream().filter(o -> o.action() == Watcher.Action.MODIFIED).count();
            assertEquals(1, all.stream().filter(o -> o.action() == Watcher.Action.ADDED).count(), "added once");
            assertEquals(certs.size() - 1, modified, "one MODIFIED version per renewal, no other writes");
            List<String> renewedLines = p.lines(Pattern.compile("renewed secret " + WORKLOAD_NS + "/" + name + " "));
            assertTrue(renewedLines.size() >= modified && renewedLines.size() <= modified + 1,
                    "renewals logged " + renewedLines.size() + " vs seen " + modified);
        } finally {
            watch.close();
        }
    }
}
