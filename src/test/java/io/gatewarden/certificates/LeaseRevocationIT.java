package io.gatewarden.certificates;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.gatewarden.certificates.process.Await;
import io.gatewarden.certificates.process.GatewardenProcess;
import io.gatewarden.certificates.process.ManagedSecrets;
import io.gatewarden.certificates.process.ProcessTestBase;
import io.gatewarden.certificates.process.ServiceAccountAccess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static io.gatewarden.certificates.process.ManagedSecrets.WORKLOAD_NS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A leader that cannot renew its Lease stops writing before the Lease can be taken over, says why, and
 * leads again once it can. Real RBAC: the leader runs as the ServiceAccount of {@code k8s/}; mid-run the
 * RoleBinding {@code gatewarden-leader-election} (from the real {@code k8s/rbac.yaml}) is deleted, so its
 * renewals get 403, exactly as with the rbac.yaml that lacked patch.
 */
class LeaseRevocationIT extends ProcessTestBase {
    static final Duration LEASE_DURATION = LeaderElectionIT.LEASE_DURATION;
    static final Pattern LEADS = Pattern.compile(" leads: ");
    static final Pattern FORBIDDEN_REPORT = Pattern.compile("ERROR .*cannot lead the certificate manager: 403 Forbidden");

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aLeaderThatCannotRenewStopsWritingBeforeTheLeaseExpiresAndSaysWhichPermissionIsMissing() throws Exception {
        ServiceAccountAccess.install(cluster);
        String kubeconfig = ServiceAccountAccess.kubeconfig(cluster,
                GatewardenProcess.logDir().resolve("sa-kubeconfig-revoke-" + run + ".yaml"));
        String leaseName = "revoke-it-" + run;
        String ns = "it-revoke-" + run;
        cluster.ensureNamespace(ns);
        GatewardenProcess a = GatewardenProcess.start(kubeconfig, "revoke-a-" + run, "LeaseRevocationIT.log",
                Map.of("gatewarden.certificates.leader-election.lease-name", leaseName));
        processes.add(a);
        a.awaitHealth(Duration.ofSeconds(120), h -> h.ready() && h.certificateLeader(), "ready and leading");
        assertEquals(1.0, a.metric("gatewarden_certificates_leader "), "leader gauge");
        String first = "revoke-one-" + run;
        ManagedSecrets.createGateway(client, ManagedSecrets.gateway(ns, "gw-one", first, "one-" + run + ".example.com"));
        LeaderElectionIT.awaitSecret(first, Duration.ofSeconds(20));

        // Revoke the Lease permissions of its identity (the RoleBinding; the Role stays).
        int leadsBefore = a.lines(LEADS).size();
        cluster.kubectl("delete", "rolebinding", "gatewarden-leader-election", "-n", ServiceAccountAccess.NAMESPACE)
                .assertOk();
        ServiceAccountAccess.awaitCanI(cluster, false, "patch", "leases.coordination.k8s.io", "-n",
                ServiceAccountAccess.NAMESPACE);
        // The last renewal the API server accepted: settled once it stops moving for longer than a retry period.
        Instant lastRenewal = Await.until("the Lease's renewTime stops moving", Duration.ofSeconds(20),
                Duration.ofMillis(1500), new java.util.function.Supplier<Instant>() {
                    Instant previous;

                    @Override
                    public Instant get() {
                        Instant now = renewTime(leaseName);
                        Instant settled = now.equals(previous) ? now : null;
                        previous = now;
                        return settled;
                    }
                }, java.util.Objects::nonNull);

        // The gauge (the same test the write guard makes) drops before the Lease could be taken over.
        Await.until("leader gauge 0", Duration.ofSeconds(20), Duration.ofMillis(50),
                () -> a.metric("gatewarden_certificates_leader "), v -> v == 0.0);
        Instant stopped = Instant.now();
        Instant expires = lastRenewal.plus(LEASE_DURATION);
        System.out.printf("[LeaseRevocationIT] last renewal %s, stopped writing %d ms later, Lease takeable %d ms later%n",
                lastRenewal, Duration.between(lastRenewal, stopped).toMillis(), LEASE_DURATION.toMillis());
        assertTrue(stopped.isBefore(expires), "stopped writing at " + stopped + ", after the Lease became takeable at "
                + expires);

        // While it cannot renew it writes nothing, and never claims to lead on the stale Lease.
        String second = "revoke-two-" + run;
        ManagedSecrets.createGateway(client, ManagedSecrets.gateway(ns, "gw-two", second, "two-" + run + ".example.com"));
        Thread.sleep(LEASE_DURATION.multipliedBy(2).toMillis());
        assertNull(client.secrets().inNamespace(WORKLOAD_NS).withName(second).get(), "written without the Lease");
        assertEquals(leadsBefore, a.lines(LEADS).size(), "claimed to lead on a Lease it cannot renew:\n" + a.tail(30));
        assertEquals(0.0, a.metric("gatewarden_certificates_leader "));
        double failures = a.metric("gatewarden_certificates_lease_renew_failures_total{reason=\"forbidden\"");
        assertTrue(failures >= 5, "renew failures counted: " + failures);

        // The error names the verb, resource, namespace and ServiceAccount, and the fix; once, not every period.
        List<String> reports = a.lines(FORBIDDEN_REPORT);
        assertTrue(!reports.isEmpty() && reports.size() <= 2, "one report per refused verb, not one per retry: "
                + reports.size() + " for " + failures + " failures\n" + String.join("\n", reports));
        String report = reports.stream().filter(l -> l.contains(" patch ")).findFirst().orElse(reports.get(0));
        for (String part : List.of("ServiceAccount gatewarden/gatewarden", "leases.coordination.k8s.io",
                "in namespace gatewarden", "apply k8s/rbac.yaml")) {
            assertTrue(report.contains(part), "report lacks \"" + part + "\": " + report);
        }

        // Permission back: it leads again without a restart and catches up.
        ServiceAccountAccess.install(cluster);
        a.awaitHealth(LEASE_DURATION.plusSeconds(15), GatewardenProcess.Health::certificateLeader, "leading again");
        LeaderElectionIT.awaitSecret(second, Duration.ofSeconds(20));
        assertEquals(leadsBefore + 1, a.lines(LEADS).size(), a.tail(30));
    }

    static Instant renewTime(String leaseName) {
        Lease lease = client.resources(Lease.class).inNamespace(ServiceAccountAccess.NAMESPACE).withName(leaseName).get();
        return lease.getSpec().getRenewTime().toInstant();
    }
}
