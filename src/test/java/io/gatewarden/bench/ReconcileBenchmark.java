package io.gatewarden.bench;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.gatewarden.certificates.ManagedSecret;
import io.gatewarden.kube.KubeCluster;
import io.gatewarden.pki.CertificateAuthority;
import io.gatewarden.pki.CertificateIssuer;
import io.gatewarden.pki.IssuedCertificate;
import io.gatewarden.pki.KeyAlgorithm;
import io.gatewarden.pki.LeafRequest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Not a test: the Kubernetes side of the reconcile part of {@code bench/certificates.sh}. Starts the
 * harness's real kube-apiserver + etcd (KubeCluster) with the ingress fixture, writes a kubeconfig for
 * the Gatewarden under benchmark (started by the script from the packaged jar), and when the script
 * says go (file {@code go} holding Gatewarden's pid):
 * <ol>
 *   <li>the API floor: N plain Secrets (unmanaged, the size of a managed one: tls.crt leaf + CA,
 *       tls.key, ca.crt, four annotations) created directly with the fabric8 client, once from one
 *       thread (as the manager's single writer creates them) and once from {@code BENCH_CREATE_THREADS}
 *       threads; then deleted;</li>
 *   <li>N Gateways in namespace bench-gw, created from {@code BENCH_CREATE_THREADS} threads, each with
 *       its own host and credentialName, selecting the ingress fixture; the clock runs from the first
 *       create until an informer in this JVM has seen all N managed Secrets in istio-system;</li>
 *   <li>a tail of {@code BENCH_TAIL_SECONDS}: what Gatewarden still does once everything exists;</li>
 *   <li>the floor again (drift check: the machine is shared).</li>
 * </ol>
 * Around each phase: the API server's {@code apiserver_request_total} by verb and resource, and the CPU
 * time (utime+stime from /proc) of Gatewarden, kube-apiserver, etcd and this JVM. Results in
 * {@code reconcile.tsv}, then file {@code done}; the cluster stays up until the script creates
 * {@code stop}.
 *
 * <p>Environment: {@code BENCH_STATE_DIR} (required), {@code BENCH_GATEWAYS} (1000),
 * {@code BENCH_CREATE_THREADS} (16), {@code BENCH_RECONCILE_TIMEOUT} (600 s for all secrets to appear),
 * {@code BENCH_TAIL_SECONDS} (15), {@code BENCH_CLK_TCK} (100), {@code BENCH_MAX_SECONDS} (2400).
 */
class ReconcileBenchmark {
    private static final String GW_NS = "bench-gw";
    private static final String INGRESS_NS = KubeCluster.INGRESS_NAMESPACE;
    private static final Pattern REQUEST = Pattern.compile("^apiserver_request_total\\{([^}]*)} ([0-9.e+]+)$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private final List<String> out = new ArrayList<>();
    private long clkTck = 100;

    @Test
    void reconcileGateways() throws Exception {
        String stateDir = System.getenv("BENCH_STATE_DIR");
        Assumptions.assumeTrue(stateDir != null && !stateDir.isBlank(),
                "BENCH_STATE_DIR not set: run bench/certificates.sh instead");
        Path state = Path.of(stateDir);
        Files.createDirectories(state);
        int n = bounded("BENCH_GATEWAYS", 1000, 1, 20_000);
        int threads = bounded("BENCH_CREATE_THREADS", 16, 1, 128);
        int timeout = bounded("BENCH_RECONCILE_TIMEOUT", 600, 10, 3600);
        int tail = bounded("BENCH_TAIL_SECONDS", 15, 0, 600);
        clkTck = bounded("BENCH_CLK_TCK", 100, 1, 100_000);
        long maxNanos = Duration.ofSeconds(bounded("BENCH_MAX_SECONDS", 2400, 60, 7200)).toNanos();
        long started = System.nanoTime();

        KubeCluster cluster;
        try {
            long t0 = System.nanoTime();
            cluster = KubeCluster.get();
            cluster.ensureIngressGatewayFixture();
            cluster.ensureNamespace("gatewarden");
            cluster.ensureNamespace(GW_NS);
            Files.writeString(state.resolve("kubeconfig.yaml"), cluster.kubeconfigYaml(), StandardCharsets.UTF_8);
            Files.writeString(state.resolve("ready"), "cluster " + cluster.apiServerUrl() + " ready in "
                    + Duration.ofNanos(System.nanoTime() - t0).toMillis() + " ms (" + cluster.timings() + ")\n",
                    StandardCharsets.UTF_8);
        } catch (Throwable e) {
            Files.writeString(state.resolve("failed"), String.valueOf(e), StandardCharsets.UTF_8);
            throw e;
        }
        String go = awaitFile(state, "go", started, maxNanos);
        if (go == null) {
            return; // told to stop before go
        }
        long gatewarden = Long.parseLong(go.trim());

        try (KubernetesClient client = cluster.newClient()) {
            Map<String, Long> pids = new LinkedHashMap<>();
            pids.put("gatewarden", gatewarden);
            ProcessHandle.current().descendants().forEach(p -> p.info().command().ifPresent(cmd -> {
                if (cmd.endsWith("/kube-apiserver")) {
                    pids.put("kube-apiserver", p.pid());
                } else if (cmd.endsWith("/etcd")) {
                    pids.put("etcd", p.pid());
                }
            }));
            pids.put("bench-jvm", ProcessHandle.current().pid());
            info("gateways", n);
            info("create_threads", threads);
            info("processes", pids.toString());
            info("client_max_concurrent_requests", client.getConfiguration().getMaxConcurrentRequests() + " (per host "
                    + client.getConfiguration().getMaxConcurrentRequestsPerHost() + ")");

            Map<String, String> floorData = floorData();
            floor(client, "floor-before-1-thread", "bench-floor-a", n, 1, floorData, pids);
            floor(client, "floor-before-" + threads + "-threads", "bench-floor-b", n, threads, floorData, pids);
            gateways(client, n, threads, timeout, tail, pids);
            floor(client, "floor-after-1-thread", "bench-floor-c", n, 1, floorData, pids);
            floor(client, "floor-after-" + threads + "-threads", "bench-floor-d", n, threads, floorData, pids);
            info("load_after", loadAverage());
        } catch (Throwable e) {
            out.add("error\t" + e);
            throw e;
        } finally {
            Files.write(state.resolve("reconcile.tsv"), out, StandardCharsets.UTF_8);
            Files.writeString(state.resolve("done"), "done\n", StandardCharsets.UTF_8);
            awaitFile(state, "stop", started, maxNanos);
        }
        // KubeCluster's shutdown hook stops kube-apiserver and etcd when this JVM exits.
    }

    // ---------------------------------------------------------------- phases

    /** N plain Secrets straight from the client: the API floor of the manager's work. */
    private void floor(KubernetesClient client, String label, String ns, int n, int threads, Map<String, String> data,
                       Map<String, Long> pids) throws Exception {
        ensureNamespace(client, ns);
        Map<String, Long> c0 = cpu(pids);
        long t0 = System.nanoTime();
        parallel(n, threads, i -> client.secrets().inNamespace(ns).resource(floorSecret(ns, i, data)).create());
        long ns1 = System.nanoTime() - t0;
        Map<String, Long> c1 = cpu(pids);
        out.add(String.join("\t", "floor", label, String.valueOf(threads), ms(ns1), cpuDiff(c0, c1)));
        System.out.println(out.get(out.size() - 1));
        // out of the way of the next phases (and of Gatewarden's cross-namespace secret lookups)
        client.secrets().inNamespace(ns).delete();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!client.secrets().inNamespace(ns).list(new ListOptionsBuilder().withLimit(1L).build()).getItems().isEmpty()
                && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
    }

    private void gateways(KubernetesClient client, int n, int threads, int timeoutSeconds, int tailSeconds,
                          Map<String, Long> pids) throws Exception {
        Map<String, Long> seen = new ConcurrentHashMap<>();
        AtomicInteger updates = new AtomicInteger();
        SharedIndexInformer<Secret> informer = client.secrets().inNamespace(INGRESS_NS)
                .withLabel(ManagedSecret.MANAGED_LABEL, "true").inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Secret s) {
                        seen.putIfAbsent(s.getMetadata().getName(), System.nanoTime());
                    }

                    @Override
                    public void onUpdate(Secret oldS, Secret s) {
                        if (!oldS.getMetadata().getResourceVersion().equals(s.getMetadata().getResourceVersion())) {
                            updates.incrementAndGet();
                        }
                    }

                    @Override
                    public void onDelete(Secret s, boolean unknown) {
                    }
                }, 0);
        try {
            long syncDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!informer.hasSynced() && System.nanoTime() < syncDeadline) {
                Thread.sleep(50);
            }
            int before = seen.size();
            Map<String, Double> m0 = apiRequests(client);
            Map<String, Long> c0 = cpu(pids);
            long t0 = System.nanoTime();
            parallel(n, threads, i -> client.genericKubernetesResources("networking.istio.io/v1", "Gateway")
                    .inNamespace(GW_NS).resource(gateway(i)).create());
            long created = System.nanoTime() - t0;
            long deadline = t0 + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            while (count(seen) < n && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Map<String, Double> m1 = apiRequests(client);
            Map<String, Long> c1 = cpu(pids);
            int have = count(seen);
            List<Long> times = new ArrayList<>();
            seen.forEach((name, t) -> {
                if (name.startsWith("app-")) {
                    times.add(t - t0);
                }
            });
            times.sort(null);
            long all = have >= n ? times.get(times.size() - 1) : -1;
            int updatesBeforeTail = updates.get();
            out.add(String.join("\t", "gateways", String.valueOf(n), String.valueOf(have), ms(created),
                    all < 0 ? "timeout" : ms(all), times.isEmpty() ? "-" : ms(times.get(0)),
                    times.isEmpty() ? "-" : ms(times.get(times.size() / 2)),
                    times.isEmpty() ? "-" : ms(times.get(Math.min(times.size() - 1, times.size() * 9 / 10))),
                    String.valueOf(updatesBeforeTail), String.valueOf(before)));
            System.out.println(out.get(out.size() - 1));
            // timeline: seconds after the first create by which k secrets existed, per 10 %
            StringBuilder timeline = new StringBuilder();
            for (int p = 1; p <= 10 && !times.isEmpty(); p++) {
                int k = Math.min(times.size(), (int) Math.ceil(n * p / 10.0));
                timeline.append(p * 10).append("%=").append(k <= times.size() ? String.format("%.1fs", times.get(k - 1) / 1e9) : "-")
                        .append(' ');
            }
            info("timeline", timeline.toString().trim());
            out.add("cpu\tgateways\t" + cpuDiff(c0, c1));
            apiDiff("gateways", m0, m1);
            if (tailSeconds > 0) {
                Thread.sleep(tailSeconds * 1000L);
                Map<String, Double> m2 = apiRequests(client);
                Map<String, Long> c2 = cpu(pids);
                out.add("cpu\ttail\t" + cpuDiff(c1, c2));
                apiDiff("tail", m1, m2);
                info("updates_in_tail", updates.get() - updatesBeforeTail);
            }
            verify(client, n);
        } finally {
            informer.close();
        }
    }

    /** Every Secret there, with the host its Gateway names and the issuer annotation. */
    private void verify(KubernetesClient client, int n) {
        List<Secret> secrets = client.secrets().inNamespace(INGRESS_NS).withLabel(ManagedSecret.MANAGED_LABEL, "true")
                .list().getItems();
        int ok = 0;
        java.util.Set<String> issuers = new java.util.TreeSet<>();
        for (Secret s : secrets) {
            String name = s.getMetadata().getName();
            if (!name.startsWith("app-") || !name.endsWith("-tls")) {
                continue;
            }
            String host = name.substring(0, name.length() - "-tls".length()) + ".example.com";
            Map<String, String> a = s.getMetadata().getAnnotations();
            if (a != null && host.equals(a.get(ManagedSecret.DNS_NAMES_ANNOTATION)) && s.getData() != null
                    && s.getData().containsKey(ManagedSecret.TLS_CRT) && s.getData().containsKey(ManagedSecret.TLS_KEY)) {
                ok++;
                issuers.add(a.get(ManagedSecret.ISSUER_ANNOTATION));
            }
        }
        info("verified_secrets", ok + " of " + n + " (dns-names annotation = the Gateway's host, tls.crt and tls.key present), "
                + issuers.size() + " issuer(s)");
    }

    // ---------------------------------------------------------------- objects

    /** Contents the size of a managed Secret: one real leaf (tls.crt = leaf + CA), its key, ca.crt. */
    private static Map<String, String> floorData() {
        Clock clock = Clock.systemUTC();
        CertificateAuthority ca = CertificateAuthority.create("gatewarden-bench-ca", KeyAlgorithm.EC_P256,
                Duration.ofDays(3650), clock);
        IssuedCertificate issued = new CertificateIssuer().issue(LeafRequest.server(List.of("floor.example.com")), ca, clock);
        Map<String, String> data = new LinkedHashMap<>();
        ManagedSecret.data(issued, ca.trustBundle(clock.instant()), true)
                .forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v)));
        return data;
    }

    private static Secret floorSecret(String ns, int i, Map<String, String> data) {
        String name = String.format("floor-%05d-tls", i);
        return new SecretBuilder().withNewMetadata().withName(name).withNamespace(ns)
                .addToLabels("gatewarden.io/bench", "floor")
                .addToAnnotations(ManagedSecret.DNS_NAMES_ANNOTATION, name + ".example.com")
                .addToAnnotations(ManagedSecret.NOT_AFTER_ANNOTATION, "2030-01-01T00:00:00Z")
                .addToAnnotations(ManagedSecret.FOR_ANNOTATION, "Gateway.networking.istio.io/" + GW_NS + "/" + name)
                .addToAnnotations(ManagedSecret.ISSUER_ANNOTATION, "0".repeat(64))
                .endMetadata().withType(ManagedSecret.TYPE).withData(data).build();
    }

    /** Gateway bench-gw/app-NNNNN-gateway: HTTPS 443, host app-NNNNN.example.com, credentialName app-NNNNN-tls. */
    private static GenericKubernetesResource gateway(int i) {
        String name = String.format("app-%05d", i);
        Map<String, Object> server = new LinkedHashMap<>();
        server.put("port", Map.of("number", 443, "name", "https", "protocol", "HTTPS"));
        server.put("hosts", List.of(name + ".example.com"));
        server.put("tls", Map.of("mode", "SIMPLE", "credentialName", name + "-tls", "minProtocolVersion", "TLSV1_2"));
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("selector", Map.of("istio", "ingressgateway"));
        spec.put("servers", List.of(server));
        return new GenericKubernetesResourceBuilder().withApiVersion("networking.istio.io/v1").withKind("Gateway")
                .withNewMetadata().withName(name + "-gateway").withNamespace(GW_NS).endMetadata()
                .withAdditionalProperties(Map.of("spec", spec)).build();
    }

    // ---------------------------------------------------------------- measuring

    /** apiserver_request_total summed by "VERB resource[/subresource]" (non-resource URLs left out). */
    private static Map<String, Double> apiRequests(KubernetesClient client) {
        String text = client.raw(client.getMasterUrl().toString().replaceAll("/$", "") + "/metrics");
        Map<String, Double> sums = new TreeMap<>();
        if (text == null) {
            return sums;
        }
        for (String line : text.split("\n")) {
            Matcher m = REQUEST.matcher(line);
            if (!m.matches()) {
                continue;
            }
            Map<String, String> labels = new TreeMap<>();
            Matcher l = LABEL.matcher(m.group(1));
            while (l.find()) {
                labels.put(l.group(1), l.group(2));
            }
            String resource = labels.getOrDefault("resource", "");
            if (resource.isEmpty()) {
                continue;
            }
            String sub = labels.getOrDefault("subresource", "");
            String key = labels.getOrDefault("verb", "?") + " " + resource + (sub.isEmpty() ? "" : "/" + sub);
            sums.merge(key, Double.parseDouble(m.group(2)), Double::sum);
        }
        return sums;
    }

    private void apiDiff(String phase, Map<String, Double> before, Map<String, Double> after) {
        after.forEach((k, v) -> {
            long d = Math.round(v - before.getOrDefault(k, 0.0));
            if (d > 0) {
                out.add(String.join("\t", "api", phase, k, String.valueOf(d)));
            }
        });
    }

    /** CPU ms (utime+stime) of each process so far. */
    private Map<String, Long> cpu(Map<String, Long> pids) {
        Map<String, Long> cpu = new LinkedHashMap<>();
        pids.forEach((name, pid) -> {
            try {
                String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                // after "pid (comm) ": state is f[0]; utime and stime are fields 14 and 15 of stat, f[11] and f[12]
                cpu.put(name, (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1000 / clkTck);
            } catch (Exception e) {
                cpu.put(name, -1L);
            }
        });
        return cpu;
    }

    private static String cpuDiff(Map<String, Long> before, Map<String, Long> after) {
        List<String> parts = new ArrayList<>();
        after.forEach((name, ms) -> parts.add(name + "=" + (ms < 0 || before.get(name) < 0 ? "?" : ms - before.get(name))));
        return String.join(" ", parts);
    }

    private static int count(Map<String, Long> seen) {
        int k = 0;
        for (String name : seen.keySet()) {
            if (name.startsWith("app-")) {
                k++;
            }
        }
        return k;
    }

    /** Runs body(0..n-1) on a pool of that many threads; rethrows the first failure. */
    private static void parallel(int n, int threads, IntConsumer body) throws Exception {
        if (threads == 1) {
            for (int i = 0; i < n; i++) {
                body.accept(i);
            }
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int k = i;
                futures.add(pool.submit(() -> body.accept(k)));
            }
            for (Future<?> f : futures) {
                f.get(10, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void ensureNamespace(KubernetesClient client, String ns) {
        if (client.namespaces().withName(ns).get() == null) {
            client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                    .withName(ns).endMetadata().build()).create();
        }
    }

    private void info(String key, Object value) {
        out.add("info\t" + key + "\t" + value);
        System.out.println("info\t" + key + "\t" + value);
    }

    private static String awaitFile(Path state, String name, long started, long maxNanos) throws Exception {
        while (System.nanoTime() - started < maxNanos) {
            if (Files.exists(state.resolve(name))) {
                return Files.readString(state.resolve(name));
            }
            if (!name.equals("stop") && Files.exists(state.resolve("stop"))) {
                return null;
            }
            Thread.sleep(100);
        }
        return null;
    }

    private static String ms(long nanos) {
        return String.format("%.0f", nanos / 1e6);
    }

    private static int bounded(String env, int fallback, int min, int max) {
        String v = System.getenv(env);
        int value = v == null || v.isBlank() ? fallback : Integer.parseInt(v.trim());
        if (value < min || value > max) {
            throw new IllegalArgumentException(env + " must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "?";
        }
    }
}
