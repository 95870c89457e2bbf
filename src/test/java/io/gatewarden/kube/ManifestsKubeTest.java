package io.gatewarden.kube;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The deployment manifests in {@code k8s/} against a real kube-apiserver: each file passes a
 * server-side dry run (schema, defaulting, validation and admission, including Pod Security
 * "restricted" warnings for the Deployment), the kustomization lists exactly the files present
 * and builds, and the ServiceAccount's RBAC, really applied, grants what Gatewarden needs and
 * nothing chosen as a counter-example. The Deployment and the webhook configuration are never
 * really applied: a webhook with no backend would make every Gateway write in this shared
 * cluster fail.
 */
class ManifestsKubeTest {
    static final Path K8S = Paths.get("k8s");
    static final String SA = "system:serviceaccount:gatewarden:gatewarden";
    /** Applied for real (in this order) so that namespaced dry runs and can-i checks have their objects. */
    static final List<String> REALLY_APPLIED = List.of("namespace.yaml", "serviceaccount.yaml", "rbac.yaml");

    static KubeCluster cluster;

    @BeforeAll
    static void startClusterAndNamespace() {
        assertTrue(Files.isDirectory(K8S), "run from the repository root: no " + K8S.toAbsolutePath());
        cluster = KubeCluster.get();
        // The namespace first (namespaced objects cannot even be dry-run into a missing namespace).
        dryRun("namespace.yaml");
        cluster.kubectl("apply", "-f", file("namespace.yaml")).assertOk();
    }

    static String file(String name) {
        return K8S.resolve(name).toString();
    }

    /** {@code resources:} of k8s/kustomization.yaml, in order. */
    static List<String> kustomizationResources() throws IOException {
        List<String> out = new ArrayList<>();
        boolean inResources = false;
        Pattern item = Pattern.compile("^\\s+-\\s+(\\S+)\\s*$");
        for (String line : Files.readAllLines(K8S.resolve("kustomization.yaml"))) {
            if (line.isBlank() || line.trim().startsWith("#")) {
                continue;
            }
            if (!Character.isWhitespace(line.charAt(0))) {
                inResources = line.startsWith("resources:");
                continue;
            }
            Matcher m = item.matcher(line);
            if (inResources && m.matches()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    static Stream<String> manifests() throws IOException {
        return kustomizationResources().stream();
    }

    static Kubectl.Result dryRun(String name) {
        Kubectl.Result r = cluster.kubectl("apply", "--dry-run=server", "-f", file(name)).assertOk();
        // Pod Security (the namespace enforces and warns "restricted"), deprecated APIs and
        // unknown fields all come back as warnings: a clean manifest gets none.
        // kubectl's own note about objects created without apply (the test resource makes the
        // gatewarden namespace) is not a server warning about the manifest.
        String warnings = r.stderr().lines().filter(l -> l.contains("Warning"))
                .filter(l -> !l.contains("kubectl.kubernetes.io/last-applied-configuration")).reduce("", String::concat);
        assertTrue(warnings.isEmpty(), name + ": the API server warned:\n" + r.describe());
        return r;
    }

    @Test
    void kustomizationListsEveryManifest() throws IOException {
        Set<String> onDisk;
        try (Stream<Path> s = Files.list(K8S)) {
            onDisk = s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml") || n.endsWith(".yml"))
                    .filter(n -> !n.equals("kustomization.yaml"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(onDisk, new TreeSet<>(kustomizationResources()),
                "k8s/kustomization.yaml must list exactly the manifests in k8s/");
    }

    @ParameterizedTest
    @MethodSource("manifests")
    void eachManifestPassesServerSideDryRun(String name) {
        // Namespaced objects need the namespace (applied in @BeforeAll). The ServiceAccount and
        // RBAC may already exist (the RBAC test applies them): then this is a dry-run update.
        Kubectl.Result r = dryRun(name);
        assertTrue(r.stdout().contains("(server dry run)"), r.describe());
    }

    @Test
    void theWholeKustomizationBuildsAndPassesServerSideDryRun() {
        Kubectl.Result built = cluster.kubectl("kustomize", K8S.toString()).assertOk();
        for (String kind : List.of("kind: Namespace", "kind: ServiceAccount", "kind: ClusterRole",
                "kind: ClusterRoleBinding", "kind: Role", "kind: RoleBinding", "kind: Service",
                "kind: Deployment", "kind: PodDisruptionBudget", "kind: ValidatingWebhookConfiguration",
                "kind: MutatingWebhookConfiguration")) {
            assertTrue(built.stdout().contains("\n" + kind + "\n"), "kustomize output lacks " + kind);
        }
        assertTrue(built.stdout().contains("reinvocationPolicy: IfNeeded") && built.stdout().contains("path: /mutate"),
                "the mutating webhook calls /mutate and may be reinvoked");
        Kubectl.Result r = cluster.kubectl("apply", "--dry-run=server", "-k", K8S.toString()).assertOk();
        assertFalse(r.stderr().contains("Warning"), r.describe());
    }

    @Test
    void webhookConfigurationIsWhatTheApiServerStores() {
        // What the server would store after defaulting, read back from the dry run.
        Kubectl.Result r = cluster.kubectl("apply", "--dry-run=server", "-o",
                "jsonpath={.webhooks[0].rules[0].apiGroups} {.webhooks[0].rules[0].apiVersions}"
                        + " {.webhooks[0].rules[0].resources} {.webhooks[0].rules[0].operations}"
                        + " {.webhooks[0].failurePolicy} {.webhooks[0].sideEffects} {.webhooks[0].matchPolicy}"
                        + " {.webhooks[0].timeoutSeconds} {.webhooks[0].admissionReviewVersions}"
                        + " {.webhooks[0].clientConfig.service.namespace}/{.webhooks[0].clientConfig.service.name}"
                        + ":{.webhooks[0].clientConfig.service.port}{.webhooks[0].clientConfig.service.path}"
                        + " {.webhooks[0].namespaceSelector.matchExpressions[0].values}",
                "-f", file("webhook.yaml")).assertOk();
        assertEquals("[\"networking.istio.io\"] [\"*\"] [\"gateways\",\"virtualservices\",\"serviceentries\",\"destinationrules\",\"sidecars\"]"
                + " [\"CREATE\",\"UPDATE\"]"
                + " Fail NoneOnDryRun Equivalent 5 [\"v1\"] gatewarden/gatewarden:443/validate"
                + " [\"gatewarden\",\"kube-system\"]", r.stdout().trim());
        Kubectl.Result gatewayApi = cluster.kubectl("apply", "--dry-run=server", "-o",
                "jsonpath={.webhooks[0].rules[1].apiGroups} {.webhooks[0].rules[1].apiVersions}"
                        + " {.webhooks[0].rules[1].resources} {.webhooks[0].rules[1].operations}",
                "-f", file("webhook.yaml")).assertOk();
        assertEquals("[\"gateway.networking.k8s.io\"] [\"*\"] [\"gateways\",\"httproutes\",\"grpcroutes\",\"tlsroutes\","
                + "\"tcproutes\"] [\"CREATE\",\"UPDATE\"]", gatewayApi.stdout().trim());
        Kubectl.Result mutating = cluster.kubectl("apply", "--dry-run=server", "-o",
                "jsonpath={.webhooks[0].rules[1].apiGroups} {.webhooks[0].rules[1].resources}",
                "-f", file("mutating-webhook.yaml")).assertOk();
        assertEquals("[\"gateway.networking.k8s.io\"] [\"gateways\"]", mutating.stdout().trim());
        // The Services webhook (EG613 warnings only) fails open.
        Kubectl.Result services = cluster.kubectl("apply", "--dry-run=server", "-o",
                "jsonpath={.webhooks[1].rules[0].apiGroups} {.webhooks[1].rules[0].resources}"
                        + " {.webhooks[1].failurePolicy} {.webhooks[1].timeoutSeconds}"
                        + " {.webhooks[1].clientConfig.service.path}",
                "-f", file("webhook.yaml")).assertOk();
        assertEquals("[\"\"] [\"services\"] Ignore 2 /validate", services.stdout().trim());
    }

    @Test
    void gracePeriodCoversTheShutdownDrain() throws IOException {
        ShutdownTimings t = ShutdownTimings.shipped();
        // 5 s for the JVM to stop after the last review (ShutdownIT: about 0.1 s).
        assertTrue(t.grace().compareTo(t.delay().plus(t.timeout()).plusSeconds(5)) >= 0, "terminationGracePeriodSeconds "
                + t.grace() + " < drain delay " + t.delay() + " + in-flight timeout " + t.timeout() + " + 5 s");
        assertFalse(Pattern.compile("(?m)^\\s*preStop:").matcher(Files.readString(K8S.resolve("deployment.yaml"))).find(),
                "no preStop hook: the drain delay is Gatewarden's own, so it also applies outside Kubernetes");
    }

    @Test
    void webhooksLeaveCaBundleToGatewarden() throws IOException {
        // A caBundle key (even "") would be re-applied by every `kubectl apply -k`, wiping the bundle
        // Gatewarden injected; the fail-closed webhook would then block Gateway writes. No cert-manager
        // injection either: it would fight Gatewarden over the field (cert-manager is an overlay's choice).
        for (String name : List.of("webhook.yaml", "mutating-webhook.yaml")) {
            String text = Files.readString(K8S.resolve(name));
            assertFalse(text.lines().anyMatch(l -> l.matches("^\\s*caBundle\\s*:.*")), name + " sets clientConfig.caBundle");
            assertFalse(text.contains("cert-manager.io/inject-ca-from"), name + " asks cert-manager to inject");
        }
    }

    @Test
    void serviceAccountHasExactlyTheAccessItNeeds() {
        for (String name : REALLY_APPLIED) {
            cluster.kubectl("apply", "-f", file(name)).assertOk();
        }
        // Allowed: each is "verb resource [namespace or -A]".
        List<String> allowed = List.of(
                "list secrets -A", "watch secrets -A", "get secrets -n istio-system",
                "create secrets -n istio-system", "update secrets -n istio-system",
                "patch secrets -n istio-system", "delete secrets -n istio-system",
                "list pods -A", "watch pods -A", "watch services -A", "list namespaces", "watch namespaces",
                "list deployments.apps -A", "watch statefulsets.apps -A", "watch daemonsets.apps -A",
                "list gateways.networking.istio.io -A", "watch gateways.networking.istio.io -A",
                "watch virtualservices.networking.istio.io -A", "watch serviceentries.networking.istio.io -A",
                "watch destinationrules.networking.istio.io -A", "watch sidecars.networking.istio.io -A",
                "watch gateways.gateway.networking.k8s.io -A", "watch httproutes.gateway.networking.k8s.io -A",
                "watch referencegrants.gateway.networking.k8s.io -A", "list grpcroutes.gateway.networking.k8s.io -A",
                "watch grpcroutes.gateway.networking.k8s.io -A", "watch tlsroutes.gateway.networking.k8s.io -A",
                "list tcproutes.gateway.networking.k8s.io -A", "watch tcproutes.gateway.networking.k8s.io -A",
                "list namespaces", "watch namespaces",
                "get customresourcedefinitions.apiextensions.k8s.io/gateways.networking.istio.io",
                "get customresourcedefinitions.apiextensions.k8s.io/tcproutes.gateway.networking.k8s.io",
                "get customresourcedefinitions.apiextensions.k8s.io/virtualservices.networking.istio.io",
                "create events -n istio-system", "patch events -n istio-system",
                "create events.events.k8s.io -n istio-system",
                "get leases.coordination.k8s.io -n gatewarden", "create leases.coordination.k8s.io -n gatewarden",
                "patch leases.coordination.k8s.io -n gatewarden", "watch configmaps -n gatewarden",
                "list configmaps -n gatewarden", "create subjectaccessreviews.authorization.k8s.io",
                "list roles.rbac.authorization.k8s.io -A", "watch rolebindings.rbac.authorization.k8s.io -A",
                "watch clusterroles.rbac.authorization.k8s.io", "list clusterrolebindings.rbac.authorization.k8s.io",
                // Self-managed webhook TLS: its own two configurations' caBundle, watched by name.
                "patch validatingwebhookconfigurations.admissionregistration.k8s.io/gatewarden",
                "patch mutatingwebhookconfigurations.admissionregistration.k8s.io/gatewarden",
                "watch validatingwebhookconfigurations.admissionregistration.k8s.io/gatewarden",
                "get mutatingwebhookconfigurations.admissionregistration.k8s.io/gatewarden",
                "create secrets -n gatewarden", "update secrets -n gatewarden");
        List<String> denied = List.of(
                "delete pods -n istio-system", "create pods -n gatewarden", "create pods --subresource=exec -n gatewarden",
                "create deployments.apps -n gatewarden", "patch deployments.apps -n istio-system",
                "create gateways.networking.istio.io -n default", "update virtualservices.networking.istio.io -n default",
                "delete gateways.gateway.networking.k8s.io -n default",
                "get configmaps -n istio-system", "list configmaps -A", "update configmaps -n gatewarden", "get nodes",
                "create namespaces", "update namespaces", "delete namespaces", "create tlsroutes.gateway.networking.k8s.io -n default",
                "update httproutes.gateway.networking.k8s.io -n default", "create referencegrants.gateway.networking.k8s.io -n default",
                "list customresourcedefinitions.apiextensions.k8s.io",
                "get customresourcedefinitions.apiextensions.k8s.io/certificates.cert-manager.io",
                "update customresourcedefinitions.apiextensions.k8s.io/gateways.networking.istio.io",
                "create leases.coordination.k8s.io -n default", "update leases.coordination.k8s.io -n kube-system",
                "delete leases.coordination.k8s.io -n gatewarden", "update leases.coordination.k8s.io -n gatewarden",
                "update validatingwebhookconfigurations.admissionregistration.k8s.io",
                "delete validatingwebhookconfigurations.admissionregistration.k8s.io",
                "delete validatingwebhookconfigurations.admissionregistration.k8s.io/gatewarden",
                "update mutatingwebhookconfigurations.admissionregistration.k8s.io/gatewarden",
                "create mutatingwebhookconfigurations.admissionregistration.k8s.io",
                "patch validatingwebhookconfigurations.admissionregistration.k8s.io/istio-validator",
                "patch mutatingwebhookconfigurations.admissionregistration.k8s.io/istio-sidecar-injector",
                "list validatingwebhookconfigurations.admissionregistration.k8s.io",
                "create clusterrolebindings.rbac.authorization.k8s.io", "escalate clusterroles.rbac.authorization.k8s.io",
                "create roles.rbac.authorization.k8s.io -n istio-system",
                "update rolebindings.rbac.authorization.k8s.io -n istio-system",
                "create tokenreviews.authentication.k8s.io",
                "bind clusterroles.rbac.authorization.k8s.io", "impersonate serviceaccounts -n gatewarden",
                "create serviceaccounts --subresource=token -n gatewarden");

        // The RBAC authorizer reads bindings through an informer: wait until the grants apply.
        long deadline = System.nanoTime() + 30_000_000_000L;
        List<String> notYet = allowed;
        while (true) {
            notYet = notYet.stream().filter(c -> !canI(c)).toList();
            if (notYet.isEmpty()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                fail(SA + " should be allowed to: " + notYet);
            }
            sleep(200);
        }
        List<String> wronglyAllowed = denied.stream().filter(ManifestsKubeTest::canI).toList();
        assertEquals(List.of(), wronglyAllowed, SA + " must not be allowed to");

        // UDPRoute is served (experimental channel) but not read: not granted. Asked of the authorizer directly.
        assertFalse(accessReview("list", "gateway.networking.k8s.io", "udproutes", ""), "list udproutes");
    }

    /** {@code kubectl auth can-i <check> --as=SA}: exit 0 "yes", exit 1 "no", anything else fails the test. */
    static boolean canI(String check) {
        List<String> args = new ArrayList<>(List.of("auth", "can-i"));
        args.addAll(List.of(check.split(" ")));
        args.add("--as=" + SA);
        Kubectl.Result r = cluster.kubectl(args.toArray(String[]::new));
        // A resource kubectl cannot resolve is checked as a core resource of that literal name:
        // "no" for the wrong reason. Never let that pass silently.
        if (r.stderr().contains("doesn't have a resource type")) {
            throw new AssertionError("can-i cannot resolve the resource in '" + check + "':\n" + r.describe());
        }
        String answer = r.stdout().trim();
        if (r.exitCode() == 0 && answer.equals("yes")) {
            return true;
        }
        if (r.exitCode() == 1 && answer.startsWith("no")) {
            return false;
        }
        throw new AssertionError("unexpected can-i answer for '" + check + "':\n" + r.describe());
    }

    /** A SubjectAccessReview for {@link #SA} (namespace "" = all namespaces); returns status.allowed. */
    static boolean accessReview(String verb, String group, String resource, String namespace) {
        String sar = """
                apiVersion: authorization.k8s.io/v1
                kind: SubjectAccessReview
                spec:
                  user: %s
                  groups: [system:serviceaccounts, system:serviceaccounts:gatewarden, system:authenticated]
                  resourceAttributes:
                    verb: %s
                    group: %s
                    resource: %s
                    namespace: "%s"
                """.formatted(SA, verb, group, resource, namespace);
        Kubectl.Result r = cluster.kubectlWithStdin(sar, "create", "-f", "-", "-o", "jsonpath={.status.allowed}")
                .assertOk();
        return r.stdout().trim().equals("true");
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
