package io.gatewarden.kube;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperations;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperationsBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfigBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One real kube-apiserver + etcd per JVM (io.fabric8:kube-api-test, offline, binaries built by
 * {@code scripts/provision-kube.sh}), with the Istio and Gateway API CRDs installed and
 * Established. Started lazily by {@link #get()}, stopped by a JVM shutdown hook.
 *
 * <p>There is no kubelet, controller-manager or scheduler: Deployments never get Pods, Pods stay
 * Pending (but keep their labels), a deleted Namespace stays Terminating forever (the namespace
 * controller lives in the controller-manager) and nothing is garbage-collected. Use fresh names
 * or namespaces per test rather than relying on deletion. The ServiceAccount admission plugin is
 * disabled (kube-api-test does that), so Pods need no "default" ServiceAccount.
 *
 * <p>One cluster per JVM even across class loaders (Quarkus loads test classes in its own): see
 * {@link #get()}. Every JVM gets its own working directory (symlinks to the cached binaries, its own
 * generated certificates, kubeconfig and kubectl discovery cache), so parallel forks don't share
 * state; etcd data lives in temp dirs and is discarded on stop.
 */
public final class KubeCluster {
    public static final String K8S_VERSION = "1.34.3";
    public static final String FIELD_MANAGER = "gatewarden-tests";
    public static final String INGRESS_NAMESPACE = "istio-system";
    public static final String INGRESS_NAME = "istio-ingressgateway";
    public static final String INGRESS_POD = "istio-ingressgateway-fixture";
    public static final Map<String, String> INGRESS_LABELS = Map.of("istio", "ingressgateway",
            "app", "istio-ingressgateway");
    public static final String EGRESS_NAMESPACE = "istio-egress";
    public static final String EGRESS_NAME = "istio-egressgateway";
    public static final Map<String, String> EGRESS_LABELS = Map.of("istio", "egressgateway",
            "app", "istio-egressgateway");

    private static final String PROVISION_HINT = "run scripts/provision-kube.sh (builds kube-apiserver "
            + K8S_VERSION + " and etcd, fetches the CRDs; set KUBE_API_TEST_DIR to use another cache)";
    /*
     * JVM-wide, not class-loader-wide: @QuarkusTest classes (and the test resources they use) are
     * loaded by Quarkus' own class loader, so this class can exist several times in one JVM. The
     * first copy to start the cluster owns it and publishes its working directory in a system
     * property; the other copies attach to it (own client, same kubeconfig). The lock is an
     * interned string literal: the same object for every class loader.
     */
    private static final String LOCK = "io.gatewarden.kube.KubeCluster#lock";
    /** System property: the owner's working directory (kubeconfig.yaml, timings, kubectl link). */
    static final String WORK_DIR_PROPERTY = "io.gatewarden.kube.workDir";
    /** System property: why the start failed (a failed start is not retried in this JVM). */
    static final String FAILURE_PROPERTY = "io.gatewarden.kube.startFailure";
    private static volatile KubeCluster instance;

    private final AutoCloseable server; // null when attached to another class loader's cluster
    private final Path workDir;
    private final Path kubeconfigFile;
    private final String kubeconfigYaml;
    private final Kubectl kubectl;
    private final KubernetesClient client;
    private final Timings timings;

    /**
     * How long the phases of {@link #get()} took, in milliseconds: certificates + etcd +
     * kube-apiserver until ready; {@code kubectl apply --server-side} of both CRD files; building
     * the fabric8 client and checking every CRD is Established (they already are by then: the
     * time is client start-up and reading the large CRD schemas).
     */
    public record Timings(long apiServerStartMillis, long crdApplyMillis, long crdEstablishedMillis) {
        public long totalMillis() {
            return apiServerStartMillis + crdApplyMillis + crdEstablishedMillis;
        }
    }

    /**
     * The JVM's cluster, started on the first call from any class loader (blocking other callers
     * meanwhile). A failed start is not retried: later calls fail at once with the first reason.
     */
    public static KubeCluster get() {
        KubeCluster c = instance;
        if (c != null) {
            return c;
        }
        synchronized (LOCK) {
            if (instance != null) {
                return instance;
            }
            String failure = System.getProperty(FAILURE_PROPERTY);
            if (failure != null) {
                throw new IllegalStateException("the test kube-apiserver failed to start earlier in this JVM: "
                        + failure);
            }
            String owned = System.getProperty(WORK_DIR_PROPERTY);
            if (owned == null && startedBySystemClassLoaderCopy()) {
                owned = System.getProperty(WORK_DIR_PROPERTY);
            }
            if (owned != null) {
                instance = attach(Paths.get(owned));
                return instance;
            }
            try {
                instance = start();
            } catch (RuntimeException | Error e) {
                System.setProperty(FAILURE_PROPERTY, String.valueOf(e));
                throw e;
            }
            System.setProperty(WORK_DIR_PROPERTY, instance.workDir.toString());
            return instance;
        }
    }

    /**
     * The owner should be the copy of this class in the system class loader, which lives as long
     * as the JVM: a copy in a Quarkus class loader may be closed before the shutdown hook runs,
     * and then could not stop etcd and kube-apiserver. Returns false when there is no other copy.
     */
    private static boolean startedBySystemClassLoaderCopy() {
        ClassLoader system = ClassLoader.getSystemClassLoader();
        if (KubeCluster.class.getClassLoader() == system) {
            return false;
        }
        Class<?> systemCopy;
        try {
            systemCopy = Class.forName(KubeCluster.class.getName(), true, system);
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
        if (systemCopy == KubeCluster.class) {
            return false;
        }
        // fabric8 finds its model classes through the context class loader: it must be the one
        // that loaded the owner's fabric8, not Quarkus'.
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(system);
        try {
            systemCopy.getMethod("get").invoke(null);
            return true;
        } catch (java.lang.reflect.InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(String.valueOf(cause), cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot call " + systemCopy + ".get()", e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** True when the cluster is running in this JVM (started from any class loader). */
    public static boolean isStarted() {
        return instance != null || System.getProperty(WORK_DIR_PROPERTY) != null;
    }

    /** {@code $KUBE_API_TEST_DIR}, else {@code ~/.cache/gatewarden/kube}. */
    public static Path cacheDir() {
        String dir = System.getenv("KUBE_API_TEST_DIR");
        if (dir == null || dir.isBlank()) {
            dir = System.getProperty("KUBE_API_TEST_DIR");
        }
        if (dir == null || dir.isBlank()) {
            return Paths.get(System.getProperty("user.home"), ".cache", "gatewarden", "kube");
        }
        return Paths.get(dir);
    }

    /** The cached binaries directory, {@code <cache>/k8s/1.34.3-linux-amd64}. */
    public static Path binDir() {
        return cacheDir().resolve("k8s").resolve(K8S_VERSION + "-linux-amd64");
    }

    /** The CRD files provision-kube.sh caches, applied in this order. */
    static final List<String> CRD_FILES = List.of("istio.yaml", "gateway-api.yaml", "gateway-api-experimental.yaml");

    /** Null when everything provision-kube.sh produces is present, else what is missing. */
    public static String missingPrerequisites() {
        StringBuilder missing = new StringBuilder();
        for (String bin : List.of("kube-apiserver", "etcd")) {
            if (!Files.isExecutable(binDir().resolve(bin))) {
                missing.append(' ').append(binDir().resolve(bin));
            }
        }
        for (String crd : CRD_FILES) {
            Path p = cacheDir().resolve("crds").resolve(crd);
            if (!Files.isRegularFile(p) || size(p) == 0) {
                missing.append(' ').append(p);
            }
        }
        return missing.length() == 0 ? null : "missing:" + missing;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    private static Path kubectlBinary() {
        Path cached = binDir().resolve("kubectl");
        if (Files.isExecutable(cached)) {
            return cached;
        }
        Path system = Paths.get("/usr/bin/kubectl");
        if (Files.isExecutable(system)) {
            return system;
        }
        throw new IllegalStateException("no kubectl in " + binDir() + " nor /usr/bin: " + PROVISION_HINT);
    }

    private static KubeCluster start() {
        Path work = prepareWorkDir();
        Path kubectlBin = kubectlBinary();
        long t0 = System.nanoTime();
        KubeAPIServer server = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withOfflineMode(true)
                .withTestDir(work.toString())
                .withApiServerVersion(K8S_VERSION)
                .withUpdateKubeConfig(false)
                .withStartupTimeout(120_000)
                .build());
        try {
            server.start();
        } catch (RuntimeException | Error e) {
            safeStop(server::stop);
            deleteTree(work);
            throw new IllegalStateException("kube-apiserver " + K8S_VERSION + " from " + binDir()
                    + " did not start (if the binaries are broken, delete them and " + PROVISION_HINT + ")", e);
        }
        return around(server::stop, server.getKubeConfigYaml(), work, System.nanoTime() - t0);
    }

    /**
     * A working directory kube-api-test accepts: {@code k8s/<version>-linux-amd64/} links to the cached
     * binaries, and the certificates with the tests' client CA trusted ({@link #trustTestClientCa}).
     */
    static Path prepareWorkDir() {
        String missing = missingPrerequisites();
        if (missing != null) {
            throw new IllegalStateException("Cannot start the test Kubernetes API server, " + missing + ". "
                    + PROVISION_HINT);
        }
        Path kubectlBin = kubectlBinary();
        Path work;
        try {
            work = Files.createTempDirectory("gatewarden-kube-");
            // kube-api-test wants <testDir>/k8s/<version>-linux-amd64/{kube-apiserver,etcd,kubectl} and
            // writes its certificates into <testDir>: link the cached binaries into a per-JVM dir.
            Path bin = work.resolve("k8s").resolve(K8S_VERSION + "-linux-amd64");
            Files.createDirectories(bin);
            Files.createSymbolicLink(bin.resolve("kube-apiserver"), binDir().resolve("kube-apiserver").toAbsolutePath());
            Files.createSymbolicLink(bin.resolve("etcd"), binDir().resolve("etcd").toAbsolutePath());
            Files.createSymbolicLink(bin.resolve("kubectl"), kubectlBin.toRealPath());
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare a working directory for kube-api-test", e);
        }
        trustTestClientCa(work);
        return work;
    }

    /**
     * The cluster of a started API server: CRDs applied, clients built. {@code server} stops it (at JVM
     * exit, after which the working directory is deleted).
     */
    static KubeCluster around(AutoCloseable server, String kubeconfigYaml, Path work, long startNanos) {
        KubeCluster cluster;
        try {
            cluster = new KubeCluster(server, kubeconfigYaml, work, kubectlBinary(), startNanos);
        } catch (RuntimeException | Error e) {
            safeStop(server);
            deleteTree(work);
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(cluster::shutdown, "gatewarden-kube-shutdown"));
        return cluster;
    }

    /** Files of the test client CA (see {@link #clientCa()}) in a working directory. */
    static final String CLIENT_CA_CRT = "test-client-ca.crt";
    static final String CLIENT_CA_KEY = "test-client-ca.key";
    static final String ADMIN_CRT = "admin.crt";

    /**
     * kube-api-test runs kube-apiserver with --client-ca-file=client.crt, its self-signed admin certificate,
     * which is not a CA (no basicConstraints CA:TRUE): the API server rejects anything else it signs. So its
     * certificates are made here before it starts (it keeps existing ones) and a real CA of the tests' own
     * is appended to client.crt: the API server trusts both. The admin kubeconfig names a copy of the admin
     * certificate alone ({@value #ADMIN_CRT}): clients refuse a chain that does not link.
     */
    private static void trustTestClientCa(Path work) {
        new io.fabric8.kubeapitest.cert.CertManager(work.toString()).createCertificatesIfNeeded();
        io.gatewarden.pki.CertificateAuthority ca = io.gatewarden.pki.CertificateAuthority.create("gatewarden test client CA",
                io.gatewarden.pki.KeyAlgorithm.EC_P256, Duration.ofDays(30), java.time.Clock.systemUTC());
        try {
            Files.writeString(work.resolve(CLIENT_CA_CRT), io.gatewarden.pki.Pem.encode(ca.certificate()));
            Files.writeString(work.resolve(CLIENT_CA_KEY), io.gatewarden.pki.Pem.encode(ca.key()));
            Path clientCas = work.resolve("client.crt");
            Files.copy(clientCas, work.resolve(ADMIN_CRT));
            Files.writeString(clientCas, Files.readString(clientCas).strip() + "\n"
                    + io.gatewarden.pki.Pem.encode(ca.certificate()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the test client CA into " + work, e);
        }
    }

    /**
     * A CA the API server trusts for client certificates (alongside kube-api-test's own): a certificate
     * it signs, with CN user and O group, authenticates as that user in that group.
     */
    public io.gatewarden.pki.CertificateAuthority clientCa() {
        try {
            return io.gatewarden.pki.CertificateAuthority.load(Files.readAllBytes(workDir.resolve(CLIENT_CA_CRT)),
                    Files.readAllBytes(workDir.resolve(CLIENT_CA_KEY)));
        } catch (IOException e) {
            throw new IllegalStateException("no test client CA in " + workDir, e);
        }
    }

    /**
     * A kubeconfig for this API server (its URL and serving CA) as another identity: {@code credentials}
     * is the user's YAML flow mapping, e.g. {@code {token: "..."}}.
     */
    public String kubeconfig(String user, String credentials) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: test
                  cluster: {server: "%s", certificate-authority: "%s"}
                users:
                - name: %s
                  user: %s
                contexts:
                - name: test
                  context: {cluster: test, user: %s}
                current-context: test
                """.formatted(apiServerUrl(), workDir.resolve("apiserver.crt"), user, credentials, user);
    }

    private static KubeCluster attach(Path workDir) {
        KubeCluster cluster = new KubeCluster(workDir);
        Runtime.getRuntime().addShutdownHook(new Thread(cluster::shutdown, "gatewarden-kube-client-shutdown"));
        return cluster;
    }

    /** Attaches to the cluster another class loader started (see {@link #WORK_DIR_PROPERTY}). */
    private KubeCluster(Path workDir) {
        this.server = null;
        this.workDir = workDir;
        this.kubeconfigFile = workDir.resolve("kubeconfig.yaml");
        try {
            this.kubeconfigYaml = Files.readString(kubeconfigFile, StandardCharsets.UTF_8);
            long[] t = java.util.Arrays.stream(Files.readString(workDir.resolve("timings")).trim().split(" "))
                    .mapToLong(Long::parseLong).toArray();
            this.timings = new Timings(t[0], t[1], t[2]);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot attach to the test kube-apiserver of " + workDir, e);
        }
        this.kubectl = new Kubectl(workDir.resolve("k8s").resolve(K8S_VERSION + "-linux-amd64").resolve("kubectl"),
                kubeconfigFile, workDir.resolve("kubectl-cache"), Kubectl.DEFAULT_TIMEOUT);
        this.client = newClient();
    }

    private KubeCluster(AutoCloseable server, String serverKubeconfig, Path workDir, Path kubectlBin, long startNanos) {
        this.server = server;
        this.workDir = workDir;
        this.kubeconfigYaml = serverKubeconfig.replace(workDir.resolve("client.crt").toString(),
                workDir.resolve(ADMIN_CRT).toString());
        try {
            this.kubeconfigFile = workDir.resolve("kubeconfig.yaml");
            Files.writeString(kubeconfigFile, kubeconfigYaml, StandardCharsets.UTF_8);
            Files.createDirectories(workDir.resolve("kubectl-cache"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the kubeconfig", e);
        }
        this.kubectl = new Kubectl(kubectlBin, kubeconfigFile, workDir.resolve("kubectl-cache"),
                Kubectl.DEFAULT_TIMEOUT);

        long t0 = System.nanoTime();
        Path crds = cacheDir().resolve("crds");
        kubectl.run(null, "apply", "--server-side", "--field-manager=" + FIELD_MANAGER, "--force-conflicts",
                "-f", crds.resolve(CRD_FILES.get(0)).toString(),
                "-f", crds.resolve(CRD_FILES.get(1)).toString(),
                "-f", crds.resolve(CRD_FILES.get(2)).toString()).assertOk();
        long t1 = System.nanoTime();
        this.client = newClient();
        if (!allCrdsEstablished(Duration.ofSeconds(60))) {
            // Let kubectl say which one is not Established.
            kubectl.run(null, "wait", "--for", "condition=established", "--timeout=10s", "crd", "--all").assertOk();
        }
        long t2 = System.nanoTime();
        this.timings = new Timings(startNanos / 1_000_000, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
        try {
            Files.writeString(workDir.resolve("timings"), timings.apiServerStartMillis() + " "
                    + timings.crdApplyMillis() + " " + timings.crdEstablishedMillis());
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + workDir.resolve("timings"), e);
        }
    }

    /** Polls (100 ms) until every CRD has condition Established=True (what kubectl wait checks). */
    private boolean allCrdsEstablished(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean all = client.apiextensions().v1().customResourceDefinitions().list().getItems().stream()
                    .allMatch(crd -> crd.getStatus() != null && crd.getStatus().getConditions() != null
                            && crd.getStatus().getConditions().stream().anyMatch(
                                    c -> "Established".equals(c.getType()) && "True".equals(c.getStatus())));
            if (all || System.nanoTime() > deadline) {
                return all;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    // ---------------------------------------------------------------- access

    /** Absolute path of a kubeconfig file for this cluster (client-certificate auth as system:masters). */
    public String kubeconfigPath() {
        return kubeconfigFile.toAbsolutePath().toString();
    }

    /** The kubeconfig as YAML; it refers to certificate files in this JVM's working directory. */
    public String kubeconfigYaml() {
        return kubeconfigYaml;
    }

    /** The API server's URL, e.g. {@code https://127.0.0.1:40123/}. */
    public String apiServerUrl() {
        return client.getConfiguration().getMasterUrl();
    }

    /** A fabric8 client shared by all callers; closed at shutdown. Don't close it. */
    public KubernetesClient client() {
        return client;
    }

    /** A new fabric8 client (the caller closes it). */
    public KubernetesClient newClient() {
        return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfigYaml)).build();
    }

    /** How long start-up took (apiserver + etcd start, CRD apply, wait for Established). */
    public Timings timings() {
        return timings;
    }

    /** kubectl with this cluster's kubeconfig; never throws on a non-zero exit. */
    public Kubectl.Result kubectl(String... args) {
        return kubectl.run(null, args);
    }

    /**
     * kubectl reading {@code stdin}. (Not an overload of {@link #kubectl(String...)}: a
     * {@code kubectl(String, String...)} overload would make every call ambiguous.)
     */
    public Kubectl.Result kubectlWithStdin(String stdin, String... args) {
        return kubectl.run(stdin, args);
    }

    /** {@code kubectl apply -f -} of one or more YAML documents; throws AssertionError on failure. */
    public Kubectl.Result apply(String yaml) {
        return kubectl.run(yaml, "apply", "-f", "-").assertOk();
    }

    /** {@code kubectl apply -f - [extra...]} whatever the outcome: for tests that expect a denial. */
    public Kubectl.Result tryApply(String yaml, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("apply", "-f", "-"));
        args.addAll(List.of(extra));
        return kubectl.run(yaml, args.toArray(String[]::new));
    }

    /**
     * Repeats {@code action} every 200 ms, at most 15 s, until {@code done} holds; returns the last
     * result. For effects that arrive through the API server's informers (webhook configurations).
     */
    public static Kubectl.Result until(java.util.function.Supplier<Kubectl.Result> action,
                                       java.util.function.Predicate<Kubectl.Result> done) {
        Kubectl.Result r = action.get();
        for (int i = 0; i < 75 && !done.test(r); i++) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return r;
            }
            r = action.get();
        }
        return r;
    }

    /** {@code kubectl apply --server-side -f -}; throws AssertionError on failure. */
    public Kubectl.Result applyServerSide(String yaml) {
        return kubectl.run(yaml, "apply", "--server-side", "--field-manager=" + FIELD_MANAGER,
                "--force-conflicts", "-f", "-").assertOk();
    }

    /** Creates a namespace if absent (idempotent). */
    /** Polls the API server for Secret {@code ns/name} until it exists or {@code millis} pass; null if it never appears. */
    public io.fabric8.kubernetes.api.model.Secret awaitSecret(String ns, String name, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        do {
            var s = client.secrets().inNamespace(ns).withName(name).get();
            if (s != null) {
                return s;
            }
            Thread.sleep(50);
        } while (System.currentTimeMillis() < deadline);
        return null;
    }

    public void ensureNamespace(String name) {
        ssa(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build());
    }

    // ---------------------------------------------------------------- webhooks

    public static final String ISTIO_GROUP = "networking.istio.io";
    public static final String GATEWAY_API_GROUP = "gateway.networking.k8s.io";

    /** The operations a webhook registered here intercepts. */
    public static final List<String> OPERATIONS = List.of("CREATE", "UPDATE");

    /**
     * Creates or replaces ValidatingWebhookConfiguration {@code name}: one webhook (named
     * {@code name} if it has a dot, else {@code name.gatewarden.io}) calling {@code url} with
     * {@code caBundlePem} as the CA, for CREATE/UPDATE of {@code resources} in
     * networking.istio.io (all versions, matchPolicy Equivalent), failurePolicy Fail, sideEffects
     * NoneOnDryRun, timeout 10 s, AdmissionReview v1.
     *
     * <p>The API server picks configuration changes up through an informer: the first requests
     * right after this call may not be intercepted yet, so poll for the expected effect.
     */
    public void registerValidatingWebhook(String name, String url, byte[] caBundlePem, List<String> resources) {
        registerValidatingWebhook(name, url, caBundlePem, ISTIO_GROUP, resources);
    }

    /** {@link #registerValidatingWebhook(String, String, byte[], List)} for resources of another API group. */
    public void registerValidatingWebhook(String name, String url, byte[] caBundlePem, String group,
                                          List<String> resources) {
        registerValidatingWebhook(name, url, caBundlePem, rule(group, resources), "Fail");
    }

    /**
     * The second webhook of {@code k8s/webhook.yaml}: core Services (EG613 warnings), failurePolicy Ignore, otherwise
     * as {@link #registerValidatingWebhook(String, String, byte[], List)}.
     */
    public void registerServiceWebhook(String name, String url, byte[] caBundlePem) {
        registerValidatingWebhook(name, url, caBundlePem, rule("", List.of("services")), "Ignore");
    }

    private void registerValidatingWebhook(String name, String url, byte[] caBundlePem, RuleWithOperations rule,
                                           String failurePolicy) {
        ValidatingWebhookConfiguration cfg = new ValidatingWebhookConfigurationBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .withWebhooks(new ValidatingWebhookBuilder()
                        .withName(webhookName(name))
                        .withClientConfig(clientConfig(url, caBundlePem))
                        .withRules(rule)
                        .withMatchPolicy("Equivalent")
                        .withSideEffects("NoneOnDryRun")
                        .withAdmissionReviewVersions("v1")
                        .withFailurePolicy(failurePolicy)
                        .withTimeoutSeconds(10)
                        .build())
                .build();
        ssa(cfg);
    }

    /** Same as {@link #registerValidatingWebhook} for a MutatingWebhookConfiguration (reinvocationPolicy Never). */
    public void registerMutatingWebhook(String name, String url, byte[] caBundlePem, List<String> resources) {
        registerMutatingWebhook(name, url, caBundlePem, ISTIO_GROUP, resources);
    }

    /** {@link #registerMutatingWebhook(String, String, byte[], List)} for resources of another API group. */
    public void registerMutatingWebhook(String name, String url, byte[] caBundlePem, String group,
                                        List<String> resources) {
        MutatingWebhookConfiguration cfg = new MutatingWebhookConfigurationBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .withWebhooks(new MutatingWebhookBuilder()
                        .withName(webhookName(name))
                        .withClientConfig(clientConfig(url, caBundlePem))
                        .withRules(rule(group, resources))
                        .withMatchPolicy("Equivalent")
                        .withSideEffects("NoneOnDryRun")
                        .withAdmissionReviewVersions("v1")
                        .withFailurePolicy("Fail")
                        .withTimeoutSeconds(10)
                        .withReinvocationPolicy("Never")
                        .build())
                .build();
        ssa(cfg);
    }

    /** Deletes ValidatingWebhookConfiguration {@code name} if present; returns whether it existed. */
    public boolean removeValidatingWebhook(String name) {
        return !client.admissionRegistration().v1().validatingWebhookConfigurations().withName(name)
                .delete().isEmpty();
    }

    /** Deletes MutatingWebhookConfiguration {@code name} if present; returns whether it existed. */
    public boolean removeMutatingWebhook(String name) {
        return !client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(name)
                .delete().isEmpty();
    }

    private static String webhookName(String name) {
        return name.contains(".") ? name : name + ".gatewarden.io";
    }

    private static WebhookClientConfig clientConfig(String url, byte[] caBundlePem) {
        WebhookClientConfigBuilder b = new WebhookClientConfigBuilder().withUrl(url);
        if (caBundlePem != null && caBundlePem.length > 0) {
            b.withCaBundle(Base64.getEncoder().encodeToString(caBundlePem));
        }
        return b.build();
    }

    private static RuleWithOperations rule(String group, List<String> resources) {
        return new RuleWithOperationsBuilder()
                .withApiGroups(group)
                .withApiVersions("*")
                .withResources(resources)
                .withOperations(OPERATIONS)
                .withScope("*")
                .build();
    }

    // ---------------------------------------------------------------- fixture

    /**
     * The usual ingress fixture, idempotent (server-side apply): namespace istio-system; a
     * Deployment istio-ingressgateway whose selector and pod template carry
     * {@code istio: ingressgateway, app: istio-ingressgateway}; a Pod
     * {@code istio-ingressgateway-fixture} with the same labels (it stays Pending: there is no
     * kubelet); a Service istio-ingressgateway selecting them, ports http2 80→8080 and https 443→8443;
     * and, as Istio's gateway chart installs them, the pods' ServiceAccount
     * {@code istio-ingressgateway-service-account} with a Role and RoleBinding letting it read Secrets in
     * istio-system (istiod serves credentials only then: GW314).
     */
    public void ensureIngressGatewayFixture() {
        ensureGatewayFixture(INGRESS_NAMESPACE, INGRESS_NAME, INGRESS_POD, INGRESS_LABELS);
    }

    /**
     * An egress gateway fixture, like the ingress one: namespace {@value #EGRESS_NAMESPACE},
     * Deployment, Pod and Service istio-egressgateway labelled {@code istio: egressgateway}.
     */
    public void ensureEgressGatewayFixture() {
        ensureGatewayFixture(EGRESS_NAMESPACE, EGRESS_NAME, EGRESS_NAME + "-fixture", EGRESS_LABELS);
    }

    private void ensureGatewayFixture(String namespace, String name, String pod, Map<String, String> labels) {
        ensureNamespace(namespace);
        String serviceAccount = name + "-service-account";
        ensureSecretReader(namespace, serviceAccount);
        var container = new ContainerBuilder()
                .withName("istio-proxy")
                .withImage("docker.io/istio/proxyv2:1.28.0")
                .withPorts(new ContainerPortBuilder().withName("http2").withContainerPort(8080).build(),
                        new ContainerPortBuilder().withName("https").withContainerPort(8443).build())
                .build();
        ssa(new DeploymentBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace)
                .withLabels(labels).endMetadata()
                .withNewSpec()
                .withReplicas(1)
                .withNewSelector().withMatchLabels(labels).endSelector()
                .withNewTemplate()
                .withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec().withServiceAccountName(serviceAccount).withContainers(container).endSpec()
                .endTemplate()
                .endSpec()
                .build());
        ssa(new PodBuilder()
                .withNewMetadata().withName(pod).withNamespace(namespace)
                .withLabels(labels).endMetadata()
                .withNewSpec().withServiceAccountName(serviceAccount).withContainers(container).endSpec()
                .build());
        ssa(new ServiceBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace)
                .withLabels(labels).endMetadata()
                .withNewSpec()
                .withType("ClusterIP")
                .withSelector(labels)
                .withPorts(new ServicePortBuilder().withName("http2").withProtocol("TCP").withPort(80)
                                .withTargetPort(new IntOrString(8080)).build(),
                        new ServicePortBuilder().withName("https").withProtocol("TCP").withPort(443)
                                .withTargetPort(new IntOrString(8443)).build())
                .endSpec()
                .build());
    }

    /**
     * A ServiceAccount and the Role and RoleBinding Istio's gateway chart gives a gateway's: get, list and watch
     * on secrets in its namespace (idempotent).
     */
    public void ensureSecretReader(String namespace, String serviceAccount) {
        ssa(new io.fabric8.kubernetes.api.model.ServiceAccountBuilder().withNewMetadata().withName(serviceAccount)
                .withNamespace(namespace).endMetadata().build());
        String role = serviceAccount + "-sds";
        ssa(new io.fabric8.kubernetes.api.model.rbac.RoleBuilder().withNewMetadata().withName(role)
                .withNamespace(namespace).endMetadata().addNewRule().withApiGroups("").withResources("secrets")
                .withVerbs("get", "list", "watch").endRule().build());
        ssa(new io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder().withNewMetadata().withName(role)
                .withNamespace(namespace).endMetadata().withNewRoleRef("rbac.authorization.k8s.io", "Role", role)
                .addNewSubject().withKind("ServiceAccount").withName(serviceAccount).withNamespace(namespace)
                .endSubject().build());
    }

    /** Server-side apply of one object as {@value #FIELD_MANAGER}, forcing conflicts. */
    public <T extends HasMetadata> T ssa(T object) {
        return client.resource(object).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
    }

    // ---------------------------------------------------------------- shutdown

    private void shutdown() {
        try {
            client.close();
        } catch (Throwable ignored) {
            // best effort (an attached copy's class loader may already be closed)
        }
        if (server != null) {
            safeStop(server);
            deleteTree(workDir);
        }
    }

    /** False when this copy of the class attached to a cluster another class loader started. */
    public boolean ownsServer() {
        return server != null;
    }

    private static void safeStop(AutoCloseable server) {
        try {
            server.close();
        } catch (Throwable ignored) {
            // best effort: the JVM is going away
        }
    }

    private static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }

    /** For diagnostics. */
    @Override
    public String toString() {
        return "KubeCluster[" + apiServerUrl() + ", kubeconfig " + kubeconfigPath() + ", " + timings + "]";
    }
}
