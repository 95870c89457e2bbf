package io.gatewarden.certificates;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfigBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.gatewarden.pki.Pem;
import org.junit.jupiter.api.AfterEach;
import java.nio.file.Files;
import java.security.cert.X509Certificate;
import java.util.Base64;
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
 * manager to the new replica, which provisions a new Gateway's secret; self-managed webhook TLS writes its
 * serving Secret and patches the caBundle of k8s/'s two webhook configurations (watched by name); and no log
 * line says "forbidden".
 *
 * The leader also asks the API server whether the gateway's ServiceAccount may read its secrets (GW314: a
 * SubjectAccessReview) and watches the RBAC objects that change that answer.
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

    @AfterEach
    void removeWebhookConfigurations() {
        client.admissionRegistration().v1().validatingWebhookConfigurations().withName("gatewarden").delete();
        client.admissionRegistration().v1().mutatingWebhookConfigurations().withName("gatewarden").delete();
    }

    /** As k8s/ deploys it: self-managed webhook TLS (the API server calls these replicas by URL: localhost). */
    GatewardenProcess start(String identity) {
        GatewardenProcess p = GatewardenProcess.start(kubeconfig, identity, "ServiceAccountRbacIT-" + identity + ".log",
                Map.of("gatewarden.certificates.leader-election.lease-name", lease, "gatewarden.webhook.tls", "self",
                        "gatewarden.webhook.extra-dns-names", "localhost"));
        processes.add(p);
        return p;
    }

    /**
     * k8s/webhook.yaml and k8s/mutating-webhook.yaml, names unchanged (the ClusterRole grants those names only),
     * calling {@code https://localhost:port} and matching no namespace (this shared API server's other tests
     * must not go through them).
     */
    static void applyWebhookConfigurations(int port) throws Exception {
        ValidatingWebhookConfiguration v = Serialization.unmarshal(
                Files.readString(ServiceAccountAccess.K8S.resolve("webhook.yaml")), ValidatingWebhookConfiguration.class);
        MutatingWebhookConfiguration m = Serialization.unmarshal(
                Files.readString(ServiceAccountAccess.K8S.resolve("mutating-webhook.yaml")), MutatingWebhookConfiguration.class);
        LabelSelector nowhere = new LabelSelectorBuilder().addToMatchLabels("gatewarden-it", "nowhere").build();
        v.getWebhooks().forEach(w -> {
            w.setClientConfig(new WebhookClientConfigBuilder().withUrl("https://localhost:" + port + "/validate").build());
            w.setNamespaceSelector(nowhere);
        });
        m.getWebhooks().forEach(w -> {
            w.setClientConfig(new WebhookClientConfigBuilder().withUrl("https://localhost:" + port + "/mutate").build());
            w.setNamespaceSelector(nowhere);
        });
        client.resource(v).create();
        client.resource(m).create();
    }

    /** The webhook's serving certificate and both caBundles, as the leader (with the ServiceAccount) wrote them. */
    static void webhookTlsIsInPlace() throws Exception {
        X509Certificate ca = ManagedSecrets.issuingCa(client);
        Secret serving = Await.until("Secret gatewarden/gatewarden-webhook-tls", Duration.ofSeconds(30),
                Duration.ofMillis(200), () -> client.secrets().inNamespace("gatewarden").withName("gatewarden-webhook-tls")
                        .get(), java.util.Objects::nonNull);
        assertEquals(List.of(), ManagedSecrets.problems(serving, ca, "gatewarden.gatewarden.svc",
                "Service/gatewarden/gatewarden", Instant.now()));
        for (String kind : List.of("validating", "mutating")) {
            String bundle = Await.until(kind + " caBundle", Duration.ofSeconds(30), Duration.ofMillis(200),
                    () -> kind.equals("validating")
                            ? client.admissionRegistration().v1().validatingWebhookConfigurations().withName("gatewarden")
                            .get().getWebhooks().get(0).getClientConfig().getCaBundle()
                            : client.admissionRegistration().v1().mutatingWebhookConfigurations().withName("gatewarden")
                            .get().getWebhooks().get(0).getClientConfig().getCaBundle(), java.util.Objects::nonNull);
            assertTrue(Pem.certificates(Base64.getDecoder().decode(bundle)).contains(ca), kind + " caBundle holds the CA");
        }
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

    /**
     * A Gateway API Gateway's certificateRef into another namespace, allowed there by a ReferenceGrant:
     * the informers for the Gateway API kinds and Namespaces, the Secret write in the ref's namespace
     * and the Event on the Gateway API Gateway all run under k8s/rbac.yaml.
     */
    void provisionsForGatewayApi(GatewardenProcess writer, String ns) throws Exception {
        String certs = ns + "-certs";
        cluster.ensureNamespace(certs);
        String secret = "rbac-gapi-" + run;
        String host = "gapi-" + run + ".example.com";
        cluster.apply("""
                apiVersion: gateway.networking.k8s.io/v1beta1
                kind: ReferenceGrant
                metadata: {name: gateways, namespace: %s}
                spec:
                  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: %s}]
                  to: [{group: "", kind: Secret}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: gapi, namespace: %s}
                spec:
                  gatewayClassName: istio
                  listeners:
                  - {name: https, port: 443, protocol: HTTPS, hostname: %s,
                     tls: {certificateRefs: [{name: %s, namespace: %s}]}}
                """.formatted(certs, ns, ns, host, secret, certs));
        Secret s = Await.until("secret " + certs + "/" + secret + " exists", Duration.ofSeconds(20), Duration.ofMillis(100),
                () -> client.secrets().inNamespace(certs).withName(secret).get(), java.util.Objects::nonNull);
        assertEquals(List.of(), ManagedSecrets.problems(s, ManagedSecrets.issuingCa(client), host,
                "Gateway.gateway.networking.k8s.io/" + ns + "/gapi", Instant.now()));
        assertEquals(Set.of(GatewardenProcess.fieldManager(writer.identity())), managers(s));
        Await.until("an Event on Gateway " + ns + "/gapi", Duration.ofSeconds(10), Duration.ofMillis(100),
                () -> client.v1().events().inNamespace(ns).list().getItems().stream()
                        .anyMatch(e -> e.getInvolvedObject().getName().equals("gapi")
                                && "gateway.networking.k8s.io/v1".equals(e.getInvolvedObject().getApiVersion())),
                Boolean::booleanValue);
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aFreshInstallLeadsAndEveryReplacementTakesOverWithTheServiceAccountOfK8s() throws Exception {
        String ns = "it-rbac-" + run;
        cluster.ensureNamespace(ns);

        GatewardenProcess a = start("rbac-a-" + run);
        applyWebhookConfigurations(a.httpsPort());
        a.awaitHealth(Duration.ofSeconds(120), h -> h.ready() && h.certificateLeader(), "ready and leading");
        provisions(a, ns, "gw-one");
        provisionsForGatewayApi(a, ns);
        // GW314: the leader asked the API server whether the gateway's ServiceAccount may read its secrets
        // (a SubjectAccessReview), and watches RBAC objects to know when to ask again.
        Await.until("a SubjectAccessReview answered", Duration.ofSeconds(20), Duration.ofMillis(200),
                () -> a.metric("gatewarden_cluster_access_reviews_total"), n -> n >= 1);
        assertEquals(List.of(), a.lines(Pattern.compile("cannot ask the API server whether")));
        // Self-managed webhook TLS: the serving Secret written, both configurations' caBundle patched.
        webhookTlsIsInPlace();

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
