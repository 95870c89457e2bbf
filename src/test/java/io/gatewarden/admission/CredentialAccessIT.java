package io.gatewarden.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.gatewarden.certificates.process.Await;
import io.gatewarden.certificates.process.GatewardenProcess;
import io.gatewarden.certificates.process.ManagedSecrets;
import io.gatewarden.certificates.process.ProcessTestBase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.gatewarden.admission.ApiCallBoundIT.JSON;
import static io.gatewarden.admission.ApiCallBoundIT.delta;
import static io.gatewarden.admission.ApiCallBoundIT.requests;
import static io.gatewarden.admission.ApiCallBoundIT.validate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GW314 against the real API server's RBAC authorizer: a gateway Deployment whose ServiceAccount has no Role in
 * its namespace gets its Gateway denied, naming the ServiceAccount and the missing permission; once a Role and
 * RoleBinding grant it, the Gateway is admitted. Gatewarden asks as istiod asks (a SubjectAccessReview), and once
 * the answer is kept a review costs no SubjectAccessReview at all, counted by the API server itself
 * ({@code apiserver_request_total{resource="subjectaccessreviews"}}). The certificate manager reports the same
 * finding as a Warning Event on the Gateway whose secret it provisioned.
 */
class CredentialAccessIT extends ProcessTestBase {
    static final String ACCOUNT = "custom-gateway";
    String ns;
    Map<String, String> labels;

    @BeforeEach
    void customGateway() {
        ns = "gw314-" + run;
        labels = Map.of("gateway", "custom-" + run);
        cluster.ensureNamespace(ns);
        cluster.ssa(new ServiceAccountBuilder().withNewMetadata().withName(ACCOUNT).withNamespace(ns).endMetadata().build());
        cluster.ssa(new DeploymentBuilder().withNewMetadata().withName(ACCOUNT).withNamespace(ns).endMetadata()
                .withNewSpec().withNewSelector().withMatchLabels(labels).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec().withServiceAccountName(ACCOUNT).withContainers(new ContainerBuilder()
                        .withName("istio-proxy").withImage("docker.io/istio/proxyv2:1.28.0").build()).endSpec()
                .endTemplate().endSpec().build());
    }

    GatewardenProcess start(String name, Map<String, String> settings) {
        GatewardenProcess p = GatewardenProcess.start(cluster.kubeconfigPath(), name + "-" + run,
                "CredentialAccessIT-" + name + "-" + run + ".log", settings);
        processes.add(p);
        p.awaitReady(Duration.ofSeconds(120));
        return p;
    }

    ObjectNode gateway(String name, String credential) {
        ObjectNode gw = JSON.createObjectNode().put("apiVersion", "networking.istio.io/v1").put("kind", "Gateway");
        gw.putObject("metadata").put("name", name).put("namespace", ns);
        ObjectNode spec = gw.putObject("spec");
        labels.forEach(spec.putObject("selector")::put);
        ObjectNode server = spec.putArray("servers").addObject();
        server.putObject("port").put("number", 443).put("name", "https").put("protocol", "HTTPS");
        server.putArray("hosts").add(name + "-" + run + ".example.com");
        server.putObject("tls").put("mode", "SIMPLE").put("credentialName", credential);
        return gw;
    }

    /**
     * SubjectAccessReviews (POST) the API server served for {@code reviews} reviews of {@code body}, counted once
     * Gatewarden's own background questions (a round after an RBAC change, and another when the authorizer has
     * settled: seconds at start-up, when every Role arrives as a change) are over.
     */
    static double accessReviewsFor(GatewardenProcess gw, String body, int reviews, boolean allowed) {
        String asked = "gatewarden_cluster_access_reviews_total";
        double[] last = {gw.metric(asked)};
        long[] since = {System.nanoTime()};
        Await.until("no SubjectAccessReview for 3 s", Duration.ofSeconds(30), Duration.ofMillis(250), () -> {
            double now = gw.metric(asked);
            if (now != last[0]) {
                last[0] = now;
                since[0] = System.nanoTime();
            }
            return System.nanoTime() - since[0];
        }, quiet -> quiet > Duration.ofSeconds(3).toNanos());
        Map<String, Double> before = requests("subjectaccessreviews");
        for (int i = 0; i < reviews; i++) {
            assertEquals(allowed, validate(gw, body).path("allowed").asBoolean());
        }
        return delta(before, requests("subjectaccessreviews"), "POST");
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void deniedUntilARoleLetsTheServiceAccountListSecretsAndNoAccessReviewPerReviewOnceKnown() throws Exception {
        client.secrets().inNamespace(ns).resource(ApiCallBoundIT.tlsSecret("site-tls", ns)).create();
        GatewardenProcess gw = start("access", Map.of("gatewarden.certificates.provision", "false"));
        String body = ApiCallBoundIT.admissionReview(gateway("site", "site-tls"));

        JsonNode denied = Await.until("GW314 once the gateway Deployment is seen", Duration.ofSeconds(20),
                Duration.ofMillis(200), () -> validate(gw, body),
                r -> r.path("status").path("message").asText().contains("[GW314]"));
        String message = denied.path("status").path("message").asText();
        assertFalse(denied.path("allowed").asBoolean());
        assertTrue(message.contains("ServiceAccount " + ns + "/" + ACCOUNT), message);
        assertTrue(message.contains("may not list secrets in " + ns), message);
        assertTrue(message.contains("attempted to access unauthorized certificates site-tls"), message);
        assertTrue(message.contains("--serviceaccount=" + ns + ":" + ACCOUNT), message);
        double whileDenied = accessReviewsFor(gw, body, 10, false);

        cluster.ensureSecretReader(ns, ACCOUNT);
        JsonNode admitted = Await.until("admitted once a Role grants list on secrets", Duration.ofSeconds(20),
                Duration.ofMillis(200), () -> validate(gw, body), r -> r.path("allowed").asBoolean());
        assertFalse(admitted.toString().contains("GW314"), admitted.toString());
        double whileAllowed = accessReviewsFor(gw, body, 10, true);

        System.out.printf("[CredentialAccessIT] SubjectAccessReviews per 10 reviews once the answer is kept: "
                + "%.0f (denied), %.0f (admitted)%n", whileDenied, whileAllowed);
        assertEquals(0.0, whileDenied, "no SubjectAccessReview per review while denied");
        assertEquals(0.0, whileAllowed, "no SubjectAccessReview per review while admitted");
        assertTrue(gw.metric("gatewarden_cluster_access_reviews_total") >= 2,
                "asked at least before and after the Role: " + gw.metric("gatewarden_cluster_access_reviews_total"));
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void theCertificateManagerReportsAProvisionedSecretItsGatewayMayNotRead() throws Exception {
        start("events", Map.of());
        ObjectNode gateway = gateway("provisioned", "provisioned-tls");
        ManagedSecrets.createGateway(client, io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
                gateway.toString(), io.fabric8.kubernetes.api.model.GenericKubernetesResource.class));
        Await.until("the secret is provisioned where the gateway runs", Duration.ofSeconds(30), Duration.ofMillis(200),
                () -> client.secrets().inNamespace(ns).withName("provisioned-tls").get(), java.util.Objects::nonNull);
        List<Event> events = Await.until("a Warning Event on the Gateway", Duration.ofSeconds(30),
                Duration.ofMillis(200), () -> client.v1().events().inNamespace(ns).list().getItems().stream()
                        .filter(e -> "CredentialUnreadable".equals(e.getReason())
                                && "provisioned".equals(e.getInvolvedObject().getName())).toList(),
                l -> !l.isEmpty());
        Event e = events.get(0);
        assertEquals("Warning", e.getType());
        assertEquals("Gateway", e.getInvolvedObject().getKind());
        assertTrue(e.getMessage().startsWith("[GW314] spec.servers[0].tls.credentialName: ServiceAccount " + ns + "/"
                + ACCOUNT), e.getMessage());
    }
}
