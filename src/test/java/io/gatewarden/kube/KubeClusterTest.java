package io.gatewarden.kube;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Proves the harness: a real API server with the Istio and Gateway API CRDs, the fixture, webhooks. */
class KubeClusterTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static KubeCluster cluster;
    static KubernetesClient client;

    @BeforeAll
    static void startCluster() {
        long t0 = System.nanoTime();
        cluster = KubeCluster.get();
        long wall = (System.nanoTime() - t0) / 1_000_000;
        client = cluster.client();
        System.out.println("[KubeClusterTest] " + cluster + ", KubeCluster.get() wall time " + wall + " ms");
    }

    static String uniqueNamespace(String prefix) {
        String ns = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        cluster.ensureNamespace(ns);
        return ns;
    }

    static ResourceDefinitionContext istioGateways(String version) {
        return new ResourceDefinitionContext.Builder().withGroup("networking.istio.io").withVersion(version)
                .withKind("Gateway").withPlural("gateways").withNamespaced(true).build();
    }

    static String gatewayYaml(String ns, String name) {
        return """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  selector:
                    istio: ingressgateway
                  servers:
                  - port: {number: 80, name: http, protocol: HTTP}
                    hosts: ["%s.example.com"]
                """.formatted(name, ns, name);
    }

    @Test
    void apiServerAnswers() {
        assertEquals("v" + KubeCluster.K8S_VERSION, client.getKubernetesVersion().getGitVersion());
        Kubectl.Result ready = cluster.kubectl("get", "--raw", "/readyz").assertOk();
        assertEquals("ok", ready.stdout().trim());
        assertTrue(cluster.apiServerUrl().startsWith("https://127.0.0.1:"), cluster.apiServerUrl());
        assertNotNull(client.namespaces().withName("default").get());
        Kubectl.Result bad = cluster.kubectl("get", "no-such-kind");
        assertFalse(bad.ok());
        assertTrue(bad.stderr().contains("no-such-kind"), bad.describe());
    }

    @Test
    void istioCrdsAreEstablishedAndServeAllGatewayVersions() {
        for (String crd : List.of("gateways.networking.istio.io", "virtualservices.networking.istio.io",
                "destinationrules.networking.istio.io", "serviceentries.networking.istio.io")) {
            assertEstablished(crd);
        }
        CustomResourceDefinition gw = client.apiextensions().v1().customResourceDefinitions()
                .withName("gateways.networking.istio.io").get();
        Map<String, Boolean> served = gw.getSpec().getVersions().stream()
                .collect(Collectors.toMap(CustomResourceDefinitionVersion::getName,
                        CustomResourceDefinitionVersion::getServed));
        assertEquals(Map.of("v1", true, "v1beta1", true, "v1alpha3", true), served);

        String ns = uniqueNamespace("crd");
        cluster.apply(gatewayYaml(ns, "web"));
        for (String version : List.of("v1", "v1beta1", "v1alpha3")) {
            GenericKubernetesResource read = client.genericKubernetesResources(istioGateways(version))
                    .inNamespace(ns).withName("web").get();
            assertNotNull(read, version);
            assertEquals("networking.istio.io/" + version, read.getApiVersion());
            @SuppressWarnings("unchecked")
            Map<String, Object> spec = (Map<String, Object>) read.getAdditionalProperties().get("spec");
            assertEquals(Map.of("istio", "ingressgateway"), spec.get("selector"), version);
        }
        Kubectl.Result viaKubectl = cluster.kubectl("get", "gateways.v1alpha3.networking.istio.io", "web",
                "-n", ns, "-o", "jsonpath={.apiVersion} {.spec.servers[0].hosts[0]}").assertOk();
        assertEquals("networking.istio.io/v1alpha3 web.example.com", viaKubectl.stdout().trim());

        // The schema is enforced: a port number must be an integer.
        Kubectl.Result invalid = cluster.kubectlWithStdin(gatewayYaml(ns, "bad").replace("number: 80", "number: eighty"),
                "apply", "-f", "-");
        assertFalse(invalid.ok(), invalid.describe());
    }

    @Test
    void gatewayApiCrdsAreEstablished() {
        for (String crd : List.of("gateways.gateway.networking.k8s.io", "gatewayclasses.gateway.networking.k8s.io",
                "httproutes.gateway.networking.k8s.io", "grpcroutes.gateway.networking.k8s.io",
                "referencegrants.gateway.networking.k8s.io", "tlsroutes.gateway.networking.k8s.io",
                "tcproutes.gateway.networking.k8s.io")) {
            assertEstablished(crd);
        }
        String ns = uniqueNamespace("gwapi");
        cluster.apply("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata:
                  name: k8s-gw
                  namespace: %s
                spec:
                  gatewayClassName: istio
                  listeners:
                  - name: http
                    port: 80
                    protocol: HTTP
                """.formatted(ns));
        assertEquals("istio", cluster.kubectl("get", "gateways.gateway.networking.k8s.io", "k8s-gw", "-n", ns,
                "-o", "jsonpath={.spec.gatewayClassName}").assertOk().stdout().trim());
    }

    @Test
    void ingressFixtureIsIdempotentAndSelectable() {
        cluster.ensureIngressGatewayFixture();
        cluster.ensureIngressGatewayFixture();

        Pod pod = client.pods().inNamespace(KubeCluster.INGRESS_NAMESPACE).withName(KubeCluster.INGRESS_POD).get();
        assertNotNull(pod);
        assertEquals("ingressgateway", pod.getMetadata().getLabels().get("istio"));
        assertEquals("Pending", pod.getStatus().getPhase());
        List<Pod> selected = client.pods().inNamespace(KubeCluster.INGRESS_NAMESPACE)
                .withLabel("istio", "ingressgateway").list().getItems();
        assertEquals(List.of(KubeCluster.INGRESS_POD),
                selected.stream().map(p -> p.getMetadata().getName()).toList());

        Deployment deployment = client.apps().deployments().inNamespace(KubeCluster.INGRESS_NAMESPACE)
                .withName(KubeCluster.INGRESS_NAME).get();
        assertEquals("ingressgateway", deployment.getSpec().getTemplate().getMetadata().getLabels().get("istio"));
        assertEquals("ingressgateway", deployment.getSpec().getSelector().getMatchLabels().get("istio"));

        Service svc = client.services().inNamespace(KubeCluster.INGRESS_NAMESPACE).withName(KubeCluster.INGRESS_NAME)
                .get();
        assertEquals(Map.of("istio", "ingressgateway", "app", "istio-ingressgateway"), svc.getSpec().getSelector());
        assertEquals(List.of("80->8080", "443->8443"), svc.getSpec().getPorts().stream()
                .map((ServicePort p) -> p.getPort() + "->" + p.getTargetPort().getIntVal()).toList());
    }

    /** A validating webhook by URL with a caBundle: the API server calls it and enforces its answer. */
    @Test
    void validatingWebhookIsCalledAndCanDeny() throws Exception {
        SelfSignedTls tls = SelfSignedTls.localhost();
        List<String> seen = new CopyOnWriteArrayList<>();
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls.serverContext()));
        server.createContext("/validate", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            seen.add(body);
            var review = JSON.readTree(body);
            String uid = review.path("request").path("uid").asText();
            boolean deny = "deny-me".equals(review.path("request").path("name").asText());
            String response = """
                    {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",
                     "response":{"uid":"%s","allowed":%s,"status":{"code":403,"message":"harness says no"}}}
                    """.formatted(uid, !deny);
            byte[] bytes = response.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        String name = "harness-test-" + UUID.randomUUID().toString().substring(0, 8);
        String ns = uniqueNamespace("hook");
        try {
            String url = "https://127.0.0.1:" + server.getAddress().getPort() + "/validate";
            cluster.registerValidatingWebhook(name, url, tls.certPem(), List.of("gateways"));

            // The API server learns of the configuration through an informer: poll.
            Kubectl.Result denied = null;
            for (int i = 0; i < 100; i++) {
                denied = cluster.kubectlWithStdin(gatewayYaml(ns, "deny-me"), "apply", "-f", "-");
                if (!denied.ok()) {
                    break;
                }
                cluster.kubectl("delete", "gateways.networking.istio.io", "deny-me", "-n", ns, "--wait=false");
                Thread.sleep(100);
            }
            assertFalse(denied.ok(), "webhook never took effect: " + denied.describe());
            assertTrue(denied.stderr().contains("harness says no"), denied.describe());
            cluster.apply(gatewayYaml(ns, "allowed"));
            assertTrue(seen.stream().anyMatch(b -> b.contains("\"kind\":\"AdmissionReview\"")
                    && b.contains("\"operation\":\"CREATE\"")), "no AdmissionReview seen");
        } finally {
            assertTrue(cluster.removeValidatingWebhook(name));
            server.stop(0);
        }
        // With the webhook removed (and its server gone, failurePolicy Fail) creation works again.
        for (int i = 0; ; i++) {
            Kubectl.Result r = cluster.kubectlWithStdin(gatewayYaml(ns, "deny-me"), "apply", "-f", "-");
            if (r.ok()) {
                break;
            }
            if (i == 100) {
                fail("still rejected after removing the webhook: " + r.describe());
            }
            Thread.sleep(100);
        }
    }

    static void assertEstablished(String crd) {
        CustomResourceDefinition d = client.apiextensions().v1().customResourceDefinitions().withName(crd).get();
        assertNotNull(d, crd);
        assertTrue(d.getStatus().getConditions().stream()
                .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus())), crd);
    }
}
