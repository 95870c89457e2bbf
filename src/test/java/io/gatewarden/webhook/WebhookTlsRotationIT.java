package io.gatewarden.webhook;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.gatewarden.certificates.process.Await;
import io.gatewarden.certificates.process.GatewardenProcess;
import io.gatewarden.certificates.process.ManagedSecrets;
import io.gatewarden.certificates.process.ProcessTestBase;
import io.gatewarden.certificates.process.ReviewConnection;
import io.gatewarden.pki.Pem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * <b>Self-managed webhook TLS under load.</b> Two replicas with {@code gatewarden.webhook.tls=self}, the
 * validating webhook configuration calling one and the mutating one the other (by URL, as the API server calls
 * a Service), both created without a caBundle as {@code k8s/} ships them, as the replicas start. From then on a
 * loop of server-side dry-run applies runs through the API server: the failing-closed window ends once both
 * webhooks answer (an admission carrying the mutating default, a denial with its finding); from then on, across three serving-certificate renewals (30 s certificates renew
 * at 20 s) and one CA rotation (a 90 s CA rotates at 60 s), no request may fail. Every failure is counted and
 * printed. Each replica's served certificate is sampled by TLS handshakes, and a keep-alive connection opened
 * before the first renewal must still answer after the last. Then the configurations are applied again with
 * kubectl (the bundle stays, nothing fails) and one is deleted and applied again (the bundle comes back: the
 * time until Gateways are judged again is printed).
 */
class WebhookTlsRotationIT extends ProcessTestBase {
    static final Duration CERT_LIFETIME = Duration.ofSeconds(30);
    static final Duration CA_LIFETIME = Duration.ofSeconds(90);
    static final int ROTATIONS = 3;

    String validating;
    String mutating;
    String validatingYaml;
    String mutatingYaml;
    final List<String> failures = new ArrayList<>();

    @AfterEach
    void removeConfigurations() {
        if (validatingYaml == null) {
            return;
        }
        client.admissionRegistration().v1().validatingWebhookConfigurations().withName(validating).delete();
        client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(mutating).delete();
    }

    GatewardenProcess start(String identity, Map<String, String> settings) {
        GatewardenProcess p = GatewardenProcess.start(cluster.kubeconfigPath(), identity,
                "WebhookTlsRotationIT-" + identity + ".log", settings);
        processes.add(p);
        return p;
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void noAdmissionFailsAcrossThreeServingCertificateRenewalsAndACaRotation() throws Exception {
        String ns = "it-webhook-tls-" + run;
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns)
                .addToLabels("gatewarden-it", run).endMetadata().build()).serverSideApply();
        validating = "gatewarden-it-" + run;
        mutating = "gatewarden-it-m-" + run;
        String secret = "webhook-tls-" + run;
        String caSecret = "webhook-ca-" + run;
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("gatewarden.webhook.tls", "self");
        settings.put("gatewarden.webhook.secret", secret);
        settings.put("gatewarden.webhook.extra-dns-names", "localhost");
        settings.put("gatewarden.webhook.validating-configuration", validating);
        settings.put("gatewarden.webhook.mutating-configuration", mutating);
        settings.put("gatewarden.certificates.ca-secret", caSecret);
        settings.put("gatewarden.certificates.ca-lifetime", CA_LIFETIME.toSeconds() + "s");
        settings.put("gatewarden.certificates.lifetime", CERT_LIFETIME.toSeconds() + "s");
        // No Gateway secrets: this CA would otherwise re-issue every managed secret other tests left behind.
        settings.put("gatewarden.certificates.provision", "false");
        settings.put("gatewarden.certificates.leader-election.lease-name", "webhook-tls-it-" + run);

        // Installed as `kubectl apply -k k8s/` does: the replicas start as the configurations (without caBundle)
        // appear. Nothing exists yet: no CA, no serving certificate, no leader.
        long installed = System.nanoTime();
        GatewardenProcess a = start("wh-a-" + run, settings);
        GatewardenProcess b = start("wh-b-" + run, settings);
        register(a.httpsPort(), b.httpsPort(), ns);

        Load load = new Load(ns);
        Thread loader = new Thread(load, "dry-run-load");
        loader.start();
        Served served = new Served(Map.of("a", a.httpsPort(), "b", b.httpsPort()));
        Thread sampler = new Thread(served, "served-certificates");
        try {
            // Failing closed until both webhooks answer: a mutated admission and a denial with its finding.
            Await.until("both webhooks answering", Duration.ofSeconds(120), Duration.ofMillis(50),
                    () -> load.admitted.get() + " admitted, " + load.denied.get() + " denied, last refusal: "
                            + load.lastRefusal, n -> load.admitted.get() > 0 && load.denied.get() > 0);
            long window = (System.nanoTime() - installed) / 1_000_000;
            load.failingClosed.set(false); // from now on every failure counts
            sampler.start();
            X509Certificate firstCa = ManagedSecrets.issuingCa(client, caSecret);
            // A connection the API server might hold: opened now, used again after every swap.
            try (ReviewConnection keepAlive = new ReviewConnection(ReviewConnection.trustingAnything(), b.httpsPort())) {
                BigInteger openedWith = keepAlive.servedCertificate().getSerialNumber();
                assertEquals(200, keepAlive.send(ReviewConnection.gatewayWithoutTls("before")).status());
                Await.until(ROTATIONS + " renewals served by both replicas and a CA rotation", Duration.ofMinutes(4),
                        Duration.ofSeconds(1), () -> served.summary(),
                        s -> served.distinct("a") > ROTATIONS && served.distinct("b") > ROTATIONS
                                && served.issuers("b") > 1);
                ReviewConnection.Answer after = keepAlive.send(ReviewConnection.gatewayWithoutTls("after"));
                assertEquals(200, after.status(), after.body());
                assertTrue(after.body().contains("[GW201]"), after.body());
                assertEquals(openedWith, keepAlive.servedCertificate().getSerialNumber(), "the same connection");
                System.out.println("[WebhookTlsRotationIT] the keep-alive connection to b opened before the first "
                        + "renewal still answers after the last");
            }
            // Re-applying the manifests (kubectl apply, as `kubectl apply -k k8s/` does) leaves the bundle alone;
            // the load goes on meanwhile and every failure still counts.
            String injected = caBundle();
            cluster.apply(validatingYaml + "---\n" + mutatingYaml);
            GatewardenProcess.sleep(2000);
            assertEquals(injected, caBundle(), "re-applying the configuration kept the injected caBundle");
            // Deleted and applied again: failing closed until the leader has written the bundle back.
            load.failingClosed.set(true);
            client.admissionRegistration().v1().validatingWebhookConfigurations().withName(validating).delete();
            long deleted = System.nanoTime();
            Await.until("the API server admitting without the validating webhook", Duration.ofSeconds(30),
                    Duration.ofMillis(20), () -> load.lastUnjudged.get(), t -> t > deleted);
            cluster.apply(validatingYaml);
            long recreated = System.nanoTime();
            Await.until("denials again after the re-creation", Duration.ofSeconds(30), Duration.ofMillis(20),
                    () -> load.lastDenial.get(), t -> t > recreated);
            long back = (System.nanoTime() - recreated) / 1_000_000;
            load.failingClosed.set(false);
            System.out.printf("[WebhookTlsRotationIT] a deleted and re-applied ValidatingWebhookConfiguration: caBundle "
                    + "back and Gateways judged again %d ms after kubectl apply%n", back);
            GatewardenProcess.sleep(1000);
            load.stop.set(true);
            loader.join(30_000);
            served.stop.set(true);
            sampler.join(10_000);

            X509Certificate lastCa = ManagedSecrets.issuingCa(client, caSecret);
            String bundle = new String(Base64.getDecoder().decode(client.admissionRegistration().v1()
                    .validatingWebhookConfigurations().withName(validating).get().getWebhooks().get(0).getClientConfig()
                    .getCaBundle()), StandardCharsets.US_ASCII);
            List<X509Certificate> bundled = Pem.certificates(bundle.getBytes(StandardCharsets.US_ASCII));
            System.out.printf("[WebhookTlsRotationIT] failing-closed window after install: %d ms%n", window);
            System.out.printf("[WebhookTlsRotationIT] %d dry-run applies through the API server: %d admitted, "
                            + "%d denied as expected, %d failed (%d refused while failing closed, at the install and "
                            + "after the re-creation, not counted)%n",
                    load.total.get(), load.admitted.get(), load.denied.get(), failures.size(), load.beforeReady.get());
            System.out.println("[WebhookTlsRotationIT] served certificates " + served.summary());
            failures.forEach(f -> System.out.println("[WebhookTlsRotationIT] FAILED " + f));

            assertEquals(List.of(), failures, "admissions failed while certificates rotated");
            assertTrue(load.admitted.get() > 100 && load.denied.get() > 100, "load ran: " + load.total.get());
            assertTrue(!firstCa.equals(lastCa), "the CA rotated");
            assertTrue(bundled.contains(firstCa) && bundled.contains(lastCa),
                    "caBundle holds the new CA and the previous one: " + bundled.size() + " certificates");
            served.last.get("b").verify(lastCa.getPublicKey()); // b serves a certificate of the new CA
            assertEquals(List.of(), List.copyOf(served.errors), "every handshake succeeded");
        } finally {
            load.stop.set(true);
            served.stop.set(true);
        }
    }

    /** Both configurations as k8s/ ships them (no caBundle), calling the replicas by URL, for this namespace only. */
    void register(int validatingPort, int mutatingPort, String ns) {
        String selector = "namespaceSelector: {matchLabels: {gatewarden-it: \"" + run + "\"}}";
        String rules = "rules: [{apiGroups: [networking.istio.io], apiVersions: [\"*\"], resources: [gateways],"
                + " operations: [CREATE, UPDATE]}]";
        validatingYaml = """
                apiVersion: admissionregistration.k8s.io/v1
                kind: ValidatingWebhookConfiguration
                metadata: {name: %s}
                webhooks:
                - name: validate.gatewarden.io
                  admissionReviewVersions: [v1]
                  clientConfig: {url: "https://localhost:%d/validate"}
                  %s
                  %s
                  sideEffects: NoneOnDryRun
                  failurePolicy: Fail
                  timeoutSeconds: 5
                """.formatted(validating, validatingPort, rules, selector);
        mutatingYaml = """
                apiVersion: admissionregistration.k8s.io/v1
                kind: MutatingWebhookConfiguration
                metadata: {name: %s}
                webhooks:
                - name: mutate.gatewarden.io
                  admissionReviewVersions: [v1]
                  clientConfig: {url: "https://localhost:%d/mutate"}
                  %s
                  %s
                  sideEffects: NoneOnDryRun
                  failurePolicy: Fail
                  reinvocationPolicy: IfNeeded
                  timeoutSeconds: 5
                """.formatted(mutating, mutatingPort, rules, selector);
        cluster.apply(validatingYaml + "---\n" + mutatingYaml); // kubectl apply, as users apply k8s/
    }

    String caBundle() {
        return client.admissionRegistration().v1().validatingWebhookConfigurations().withName(validating).get()
                .getWebhooks().get(0).getClientConfig().getCaBundle();
    }

    /** Server-side dry runs in a loop: a good Gateway (admitted) and a bad one (denied with GW201), alternately. */
    final class Load implements Runnable {
        final String ns;
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicBoolean failingClosed = new AtomicBoolean(true);
        final AtomicLong total = new AtomicLong();
        final AtomicLong admitted = new AtomicLong();
        final AtomicLong denied = new AtomicLong();
        final AtomicLong beforeReady = new AtomicLong();
        /** System.nanoTime() of the last expected denial: the validating webhook answered. */
        final AtomicLong lastDenial = new AtomicLong();
        /** System.nanoTime() of the last bad Gateway admitted: no validating webhook was called. */
        final AtomicLong lastUnjudged = new AtomicLong();
        volatile String lastRefusal = "none";

        Load(String ns) {
            this.ns = ns;
        }

        @Override
        public void run() {
            // No client-side retries: fabric8 would retry a failed admission (HTTP 500) and hide it.
            io.fabric8.kubernetes.client.Config config = io.fabric8.kubernetes.client.Config.fromKubeconfig(
                    cluster.kubeconfigYaml());
            config.setRequestRetryBackoffLimit(0);
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
                load(client);
            }
        }

        void load(KubernetesClient client) {
            String gateway = """
                    apiVersion: networking.istio.io/v1
                    kind: Gateway
                    metadata: {name: %s, namespace: %s}
                    spec:
                      selector: {istio: ingressgateway}
                      servers:
                      - port: {number: %d, name: %s, protocol: %s}
                        hosts: [%s.example.com]
                    """;
            // Plain HTTP with an upper-case host: admitted, the host lower-cased by the mutating webhook (MUT905),
            // so each admission proves both webhooks answered. HTTPS without a tls block (provisioning is off,
            // so no default adds one): denied with GW201.
            GenericKubernetesResource good = Serialization.unmarshal(gateway.formatted("good", ns, 80, "http", "HTTP",
                    "GOOD"), GenericKubernetesResource.class);
            GenericKubernetesResource bad = Serialization.unmarshal(gateway.formatted("bad", ns, 443, "https", "HTTPS",
                    "bad"), GenericKubernetesResource.class);
            for (long i = 0; !stop.get(); i++) {
                boolean expectAdmit = i % 2 == 0;
                String outcome;
                try {
                    GenericKubernetesResource stored = client.resource(expectAdmit ? good : bad).dryRun().create();
                    if (!expectAdmit) {
                        lastUnjudged.set(System.nanoTime());
                    }
                    outcome = !expectAdmit ? "bad Gateway admitted"
                            : String.valueOf(stored.getMetadata().getAnnotations()).contains("MUT905") ? null
                            : "admitted without the mutating webhook's default: " + stored.getMetadata().getAnnotations();
                } catch (KubernetesClientException e) {
                    String m = String.valueOf(e.getMessage());
                    outcome = !expectAdmit && m.contains("denied the request") && m.contains("[GW201]") ? null : m;
                }
                total.incrementAndGet();
                if (outcome == null) {
                    (expectAdmit ? admitted : denied).incrementAndGet();
                    if (!expectAdmit) {
                        lastDenial.set(System.nanoTime());
                    }
                } else if (failingClosed.get()) {
                    beforeReady.incrementAndGet();
                    lastRefusal = outcome;
                } else {
                    synchronized (failures) {
                        failures.add(Instant.now() + " " + (expectAdmit ? "good" : "bad") + ": " + outcome);
                    }
                }
            }
        }
    }

    /** Samples, by TLS handshake every 250 ms, which certificate each replica serves. */
    static final class Served implements Runnable {
        final Map<String, Integer> ports;
        final AtomicBoolean stop = new AtomicBoolean();
        final Map<String, Set<BigInteger>> serials = new ConcurrentHashMap<>();
        /** The authority key identifiers seen: one per CA key. */
        final Map<String, Set<String>> issuers = new ConcurrentHashMap<>();
        final Map<String, X509Certificate> last = new ConcurrentHashMap<>();
        final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();

        Served(Map<String, Integer> ports) {
            this.ports = ports;
        }

        @Override
        public void run() {
            while (!stop.get()) {
                ports.forEach((replica, port) -> {
                    try (ReviewConnection c = new ReviewConnection(ReviewConnection.trustingAnything(), port)) {
                        X509Certificate served = c.servedCertificate();
                        serials.computeIfAbsent(replica, r -> new ConcurrentSkipListSet<>()).add(served.getSerialNumber());
                        issuers.computeIfAbsent(replica, r -> new ConcurrentSkipListSet<>())
                                .add(HexFormat.of().formatHex(served.getExtensionValue("2.5.29.35")));
                        last.put(replica, served);
                    } catch (Exception e) {
                        errors.add(Instant.now() + " " + replica + ": " + e);
                    }
                });
                GatewardenProcess.sleep(250);
            }
        }

        int distinct(String replica) {
            return serials.getOrDefault(replica, Set.of()).size();
        }

        int issuers(String replica) {
            return issuers.getOrDefault(replica, Set.of()).size();
        }

        String summary() {
            return "a: " + distinct("a") + " certificates from " + issuers("a") + " CA(s); b: " + distinct("b")
                    + " certificates from " + issuers("b") + " CA(s); handshake errors " + errors.size();
        }
    }
}
