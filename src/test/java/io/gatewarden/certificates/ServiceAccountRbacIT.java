package io.gatewarden.certificates;

import io.fabric8.kubernetes.api.model.Secret;
import io.gatewarden.certificates.process.Await;
import io.gatewarden.certificates.process.GatewardenProcess;
import io.gatewarden.certificates.process.ManagedSecrets;
import io.gatewarden.certificates.process.ProcessTestBase;
import io.gatewarden.certificates.process.ServiceAccountAccess;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static io.gatewarden.certificates.LeaderElectionIT.managers;
import static io.gatewarden.certificates.process.ManagedSecrets.WORKLOAD_NS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * <b>The RBAC guard.</b> Gatewarden run the way a user runs it: with a token of the ServiceAccount that
 * {@code k8s/} binds ({@code kubectl create token gatewarden -n gatewarden}), after applying the real
 * {@code k8s/namespace.yaml}, {@code k8s/serviceaccount.yaml} and {@code k8s/rbac.yaml} (not copies),
 * against the real API server with RBAC on. A fresh install leads and provisions; a rolling replacement
 * (SIGTERM, the Lease released) and a crash (kill -9, the Lease left to expire) each hand the certificate
 * manager to the new replica, which provisions a new Gateway's secret; and no log line says "forbidden".
 *
 * <p><b>Every later feature that reads or writes something new in the cluster must extend this test</b>
 * (a Gateway API kind, another ConfigMap, an Event type, a SubjectAccessReview...): a test run as
 * system:masters proves nothing about {@code k8s/rbac.yaml}. Its first version failed against the
 * rbac.yaml that granted leases get/create/update without patch: no replica after the first ever led.
 */
class ServiceAccountRbacIT extends ProcessTestBase {
    static final Pattern FORBIDDEN = Pattern.compile("(?i)forbidden");
    static final Duration LEASE_DURATION = LeaderElectionIT.LEASE_DURATION;
    static final Duration RETRY_PERIOD = Duration.ofSeconds(1);

    String kubeconfig;
    String lease;

    @BeforeEach
    void installAsAUserWould() {
        ServiceAccountAccess.install(cluster);
        kubeconfig = ServiceAccountAccess.kubeconfig(cluster,
                GatewardenProcess.logDir().resolve("sa-kubeconfig-" + run + ".yaml"));
        lease = "rbac-it-" + run; // not shared with other tests' (possibly killed) replicas
    }

    GatewardenProcess start(String identity) {
        GatewardenProcess p = GatewardenProcess.start(kubeconfig, identity, "ServiceAccountRbacIT-" + identity + ".log",
                Map.of("gatewarden.certificates.leader-election.lease-name", lease));
        processes.add(p);
        return p;
    }

    Secret provisions(GatewardenProcess writer, String ns, String gateway) throws Exception {
        String secret = "rbac-" + gateway + "-" + run;
        String host = gateway + "-" + run + ".example.com";
        ManagedSecrets.createGateway(client, ManagedSecrets.gateway(ns, gateway, secret, host));
        Secret s = LeaderElectionIT.awaitSecret(secret, Duration.ofSeconds(20));
        assertEquals(List.of(), ManagedSecrets.problems(s, ManagedSecrets.issuingCa(client), host,
                "Gateway.networking.istio.io/" + ns + "/" + gateway, Instant.now()));
        assertEquals(Set.of(GatewardenProcess.fieldManager(writer.identity())), managers(s),
                "managedFields: " + writer.identity() + " (and nobody else) wrote " + secret);
        return s;
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aFreshInstallLeadsAndEveryReplacementTakesOverWithTheServiceAccountOfK8s() throws Exception {
        String ns = "it-rbac-" + run;
        cluster.ensureNamespace(ns);

        GatewardenProcess a = start("rbac-a-" + run);
        a.awaitHealth(Duration.ofSeconds(120), h -> h.ready() && h.certificateLeader(), "ready and leading");
        provisions(a, ns, "gw-one");

        // A rolling update: the new pod comes up, the old one gets SIGTERM and releases the Lease (a patch).
        GatewardenProcess b = start("rbac-b-" + run);
        b.awaitReady(Duration.ofSeconds(120));
        assertTrue(!b.isLeader(), "one leader at a time");
        long stopped = System.nanoTime();
        a.stop();
        b.awaitHealth(LEASE_DURATION, GatewardenProcess.Health::certificateLeader, "leader after a released Lease");
        System.out.printf("[ServiceAccountRbacIT] %s led %d ms after %s was stopped%n", b.identity(),
                (System.nanoTime() - stopped) / 1_000_000, a.identity());
        provisions(b, ns, "gw-two");

        // A crash: the Lease is not released; the replacement takes over once it expires.
        GatewardenProcess c = start("rbac-c-" + run);
        c.awaitReady(Duration.ofSeconds(120));
        long killed = System.nanoTime();
        b.kill9();
        // The Lease expires LEASE_DURATION after b's last renewal (at most a retry period before the kill); c
        // tries every retry period (fabric8 adds up to 1.2x jitter).
        Duration bound = LEASE_DURATION.plus(RETRY_PERIOD.multipliedBy(3));
        c.awaitHealth(bound.plusSeconds(5), GatewardenProcess.Health::certificateLeader, "leader after kill -9");
        long takeover = (System.nanoTime() - killed) / 1_000_000;
        System.out.printf("[ServiceAccountRbacIT] %s took over %d ms after kill -9 of %s (lease %s)%n", c.identity(),
                takeover, b.identity(), LEASE_DURATION);
        assertTrue(takeover <= bound.toMillis(), "takeover took " + takeover + " ms, more than " + bound);
        provisions(c, ns, "gw-three");

        for (GatewardenProcess p : List.of(a, b, c)) {
            assertEquals(List.of(), p.lines(FORBIDDEN), p.identity() + " was refused something by RBAC: "
                    + "k8s/rbac.yaml lacks a permission the code uses");
        }
    }
}
