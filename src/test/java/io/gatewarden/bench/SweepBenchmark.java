package io.gatewarden.bench;

import io.gatewarden.demands.IssuanceReason;
import io.gatewarden.facts.SecretAssessment;
import io.gatewarden.facts.SecretAssessments;
import io.gatewarden.pki.RenewalTiming;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatewarden.certificates.VerifiedCache;
import io.gatewarden.certificates.ManagedSecret;
import io.gatewarden.demands.RenewalPolicy;
import io.gatewarden.cluster.ClusterView;
import io.gatewarden.cluster.DerivedCache;
import io.gatewarden.cluster.SecretData;
import io.gatewarden.cluster.ServiceInfo;
import io.gatewarden.cluster.StaticClusterView;
import io.gatewarden.cluster.Workload;
import io.gatewarden.demands.CredentialDemand;
import io.gatewarden.demands.Demands;
import io.gatewarden.demands.Plan;
import io.gatewarden.demands.PlanEntry;
import io.gatewarden.demands.RenewalCheck;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.pki.CertificateAuthority;
import io.gatewarden.pki.CertificateIssuer;
import io.gatewarden.pki.HostCoverage;
import io.gatewarden.pki.IssuedCertificate;
import io.gatewarden.pki.KeyAlgorithm;
import io.gatewarden.pki.KeyMatch;
import io.gatewarden.pki.LeafRequest;
import io.gatewarden.pki.Pem;
import io.gatewarden.facts.Facts;
import io.gatewarden.facts.RuleSettings;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * Not a test: the sweep part of {@code bench/certificates.sh}. The certificate manager's pass over
 * N managed Secrets that are all valid (default 10,000), measured in-process on a
 * {@link StaticClusterView}: N Gateways (each its own credentialName and host, selecting the ingress
 * Deployment in istio-system) and their N Secrets, issued with the real CA code and labelled and
 * annotated exactly as the manager writes them ({@link ManagedSecret#data}, {@link ManagedSecret#labels},
 * {@link ManagedSecret#annotations} with the CA fingerprint as issuer). A pass is what
 * the certificate manager's pass computes: {@code Plan.of(new Facts(view, settings), check)}
 * with the manager's own check, {@code VerifiedCache.check(issuer, now)} (a map lookup on a verified-until hit;
 * the misses judged together by {@code RenewalPolicy.judgeAll}, in parallel shares, keys tested in a
 * batch), the real class with the configured default policy.
 *
 * <p>Named so that surefire's default includes skip it; runs as {@code -Dtest=SweepBenchmark} and does
 * nothing without {@code BENCH_STATE_DIR} (receives {@code sweep.tsv}). {@code BENCH_SWEEP_SECRETS}
 * (10000), {@code BENCH_SWEEP_PASSES} (20), {@code BENCH_SWEEP_SAMPLE} (1000: secrets in the per-step
 * breakdown).
 */
class SweepBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INGRESS_NS = "istio-system";

    @Test
    void sweepOfValidManagedSecrets() throws Exception {
        String stateDir = System.getenv("BENCH_STATE_DIR");
        Assumptions.assumeTrue(stateDir != null && !stateDir.isBlank(),
                "BENCH_STATE_DIR not set: run bench/certificates.sh instead");
        int n = bounded("BENCH_SWEEP_SECRETS", 10_000, 1, 200_000);
        int passes = bounded("BENCH_SWEEP_PASSES", 20, 3, 1000);
        int sample = Math.min(n, bounded("BENCH_SWEEP_SAMPLE", 1000, 10, 200_000));
        Path out = Path.of(stateDir).resolve("sweep.tsv");
        List<String> lines = new ArrayList<>();
        Clock clock = Clock.systemUTC();
        RuleSettings settings = new RuleSettings(true, INGRESS_NS, Duration.ofDays(14), clock, io.gatewarden.policy.PolicySource.fixed(io.gatewarden.policy.Policy.none()),
                RenewalTiming.defaults()); // the config defaults
        RenewalPolicy policy = RenewalPolicy.defaults();
        lines.add(info("secrets", n));
        lines.add(info("load_before", loadAverage()));

        // ---- the cluster: ingress workload + Service, N Gateways, then the demands they make
        List<Resource> resources = new ArrayList<>(ingress());
        for (int i = 0; i < n; i++) {
            resources.add(gateway(i));
        }
        List<CredentialDemand> demands = Demands.all(new Facts(new StaticClusterView(resources), settings));
        check(demands.size() == n, "expected " + n + " demands, got " + demands.size());

        // ---- N managed Secrets, issued as the manager issues them (P-256, 90 days, serverAuth, with ca.crt)
        CertificateAuthority ca = CertificateAuthority.create("gatewarden-bench-ca", KeyAlgorithm.EC_P256,
                Duration.ofDays(3650), clock);
        CertificateIssuer issuer = new CertificateIssuer();
        long t0 = System.nanoTime();
        List<Resource> secrets = IntStream.range(0, n).parallel().mapToObj(i -> {
            CredentialDemand d = demands.get(i);
            IssuedCertificate issued = issuer.issue(new LeafRequest(d.dnsNames(), KeyAlgorithm.EC_P256,
                    Duration.ofDays(90), false, true), ca, clock);
            return secret(d, ManagedSecret.data(issued, ca.trustBundle(clock.instant()), true),
                    ManagedSecret.labels(), ManagedSecret.annotations(d, issued, ca.fingerprint()));
        }).toList();
        long issueNs = System.nanoTime() - t0;
        lines.add(info("issue_ms", ms(issueNs)));
        lines.add(info("issue_threads", java.util.concurrent.ForkJoinPool.commonPool().getParallelism() + 1));
        resources.addAll(secrets);
        Changeable view = new Changeable(new StaticClusterView(resources));
        SecretData anySecret = view.secret(INGRESS_NS, demands.get(0).secretName()).orElseThrow();
        lines.add(info("secret_bytes", anySecret.data().values().stream().mapToInt(b -> b.length).sum()));

        // ---- passes
        ManagerCheck manager = new ManagerCheck(policy);
        Instant now = clock.instant();
        RenewalCheck cached = manager.check(ca, now);
        // 1. the first pass after start: cold JIT for this path, nothing derived, empty verified-until cache
        Timed first = pass(view, settings, cached);
        check(manager.cached() == n, "cache holds " + manager.cached() + " entries after the first pass, not " + n);
        lines.add(row("first-cold", List.of(first)));
        // 2. steady state: nothing changed since the last pass, every check a cache hit
        lines.add(row("steady", repeat(passes, () -> pass(view, settings, cached))));
        // 3. after any change in the cluster (the informers bump the generation on every event): derived
        //    facts (parsed Gateways, selector matches) are recomputed; checks still hit the cache
        lines.add(row("after-change", repeat(passes, () -> {
            view.change();
            return pass(view, settings, cached);
        })));
        // 4. the floor: the same plan walk with a check that does nothing
        RenewalCheck none = subjects -> subjects.stream().map(x -> Optional.<IssuanceReason>empty()).toList();
        lines.add(row("walk-only", repeat(passes, () -> pass(view, settings, none))));
        // 5. without the cache: every secret assessed afresh and judged, warm JIT
        RenewalCheck uncached = subjects -> subjects.stream().map(x -> policy.judge(
                Optional.of(SecretAssessment.of(x.secret())), x.demand(), ca.fingerprint(), now).reason()).toList();
        lines.add(row("uncached", repeat(3, () -> pass(view, settings, uncached))));
        // 6. first pass of a fresh manager (empty cache) with warm JIT: e.g. a new leader, or every
        //    secret replaced; then its second pass
        ManagerCheck fresh = new ManagerCheck(policy);
        RenewalCheck freshCheck = fresh.check(ca, now);
        lines.add(row("first-warm", List.of(pass(view, settings, freshCheck))));
        lines.add(row("second-after-first-warm", List.of(pass(view, settings, freshCheck))));

        // 7. steady state again, now that every path above is compiled: the sweep of a long-running leader
        lines.add(row("steady-warm", repeat(passes, () -> pass(view, settings, cached))));

        // ---- what else reconcile() does per pass (not part of Plan.of)
        lines.add(row("demands-all-again", repeat(passes, () -> {
            Facts f = new Facts(view, settings);
            long s = System.nanoTime();
            int k = Demands.all(f).size();
            return new Timed(System.nanoTime() - s, k - n);
        })));
        lines.add(row("expiry-gauges", repeat(passes, expiryGauges(view, demands, clock))));

        // ---- where a cache miss goes: per-secret cost of each step RenewalPolicy.check (and checkAll) takes
        List<SecretData> sampled = new ArrayList<>();
        List<CredentialDemand> sampledDemands = new ArrayList<>();
        for (int i = 0; i < sample; i++) {
            CredentialDemand d = demands.get((int) ((long) i * n / sample));
            sampledDemands.add(d);
            sampled.add(view.secret(d.namespace(), d.secretName()).orElseThrow());
        }
        List<X509Certificate> leaves = new ArrayList<>();
        List<PrivateKey> keys = new ArrayList<>();
        for (SecretData s : sampled) {
            leaves.add(Pem.certificates(s.value(ManagedSecret.TLS_CRT)).get(0));
            keys.add(Pem.privateKey(s.value(ManagedSecret.TLS_KEY)));
        }
        lines.add(per("policy-check", sample, () -> {
            for (int i = 0; i < sample; i++) {
                policy.judge(Optional.of(SecretAssessment.of(sampled.get(i))), sampledDemands.get(i), ca.fingerprint(),
                        now).reason().ifPresent(r -> {
                    throw new IllegalStateException("valid secret judged " + r);
                });
            }
        }));
        lines.add(per("pem-certificates", sample, () -> {
            for (SecretData s : sampled) {
                Pem.certificates(s.value(ManagedSecret.TLS_CRT));
            }
        }));
        lines.add(per("pem-private-key", sample, () -> {
            for (SecretData s : sampled) {
                Pem.privateKey(s.value(ManagedSecret.TLS_KEY));
            }
        }));
        lines.add(per("key-match", sample, () -> {
            for (int i = 0; i < sample; i++) {
                check(KeyMatch.matches(leaves.get(i), keys.get(i)), "key mismatch");
            }
        }));
        lines.add(per("key-match-batch", sample, () -> {
            boolean[] all = KeyMatch.matchAll(leaves, keys);
            for (boolean ok : all) {
                check(ok, "key mismatch in the batch");
            }
        }));
        List<RenewalCheck.Subject> subjects = new ArrayList<>();
        for (int i = 0; i < sample; i++) {
            subjects.add(new RenewalCheck.Subject(sampled.get(i), sampledDemands.get(i)));
        }
        lines.add(per("policy-check-all", sample, () -> {
            for (RenewalPolicy.Verdict v : policy.judgeAll(subjects, freshAssessments(), ca.fingerprint(), now)) {
                v.reason().ifPresent(r -> {
                    throw new IllegalStateException("valid secret judged " + r);
                });
            }
        }));
        lines.add(per("dns-names", sample, () -> {
            for (X509Certificate leaf : leaves) {
                HostCoverage.dnsNames(leaf);
            }
        }));
        lines.add(per("renewal-time", sample, () -> {
            for (X509Certificate leaf : leaves) {
                policy.timing().renewalTime(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
            }
        }));
        lines.add(info("load_after", loadAverage()));
        Files.write(out, lines, StandardCharsets.UTF_8);
        lines.forEach(System.out::println);
    }

    // ---------------------------------------------------------------- the manager's check

    /** The certificate manager's check ({@link VerifiedCache}), with its own verified-until cache. */
    static final class ManagerCheck {
        private final VerifiedCache cache;

        ManagerCheck(RenewalPolicy policy) {
            cache = new VerifiedCache(policy, freshAssessments());
        }

        /** The check a pass hands to Plan.of (Plan.of asks it once per pass, for all secrets). */
        RenewalCheck check(CertificateAuthority ca, Instant now) {
            return cache.check(ca.fingerprint(), now);
        }

        int cached() {
            return cache.size();
        }
    }


    /**
     * reconcile()'s handleOrphans hands one expiry per managed Secret to the metrics on every pass
     * ({@code CertificateMetrics.managed}, package-private: reached by reflection; a Prometheus
     * registry as the service uses), which registers the gauges again only when they changed; the
     * loop that feeds it (annotation lookup, Instant.parse) is reproduced here. The first pass
     * registers, the median is of the passes after it.
     */
    private static Pass expiryGauges(ClusterView view, List<CredentialDemand> demands, Clock clock) throws Exception {
        Class<?> metricsClass = Class.forName("io.gatewarden.certificates.CertificateMetrics");
        Constructor<?> ctor = metricsClass.getDeclaredConstructor(MeterRegistry.class, Clock.class);
        ctor.setAccessible(true);
        @SuppressWarnings("deprecation")
        MeterRegistry registry = new io.micrometer.prometheus.PrometheusMeterRegistry(
                io.micrometer.prometheus.PrometheusConfig.DEFAULT);
        Object metrics = ctor.newInstance(registry, clock);
        Method managed = metricsClass.getDeclaredMethod("managed", List.class);
        managed.setAccessible(true);
        Class<?> expiryClass = Class.forName("io.gatewarden.certificates.CertificateMetrics$Expiry");
        Constructor<?> expiry = expiryClass.getDeclaredConstructor(String.class, String.class, Instant.class);
        expiry.setAccessible(true);
        List<SecretData> managedSecrets = new ArrayList<>();
        for (CredentialDemand d : demands) {
            managedSecrets.add(view.secret(d.namespace(), d.secretName()).orElseThrow());
        }
        return () -> {
            long s = System.nanoTime();
            List<Object> expiries = new ArrayList<>();
            for (SecretData secret : managedSecrets) {
                String notAfter = secret.annotations().get(ManagedSecret.NOT_AFTER_ANNOTATION);
                if (notAfter != null) {
                    expiries.add(expiry.newInstance(secret.namespace(), secret.name(), Instant.parse(notAfter)));
                }
            }
            managed.invoke(metrics, expiries);
            return new Timed(System.nanoTime() - s, 0);
        };
    }

    // ---------------------------------------------------------------- timing

    record Timed(long nanos, int planSize) {
    }

    interface Pass {
        Timed run() throws Exception;
    }

    interface Body {
        void run() throws Exception;
    }

    private static Timed pass(ClusterView view, RuleSettings settings, RenewalCheck check) {
        long s = System.nanoTime();
        List<PlanEntry> plan = Plan.of(new Facts(view, settings), check);
        long ns = System.nanoTime() - s;
        if (!plan.isEmpty()) {
            throw new IllegalStateException("a pass over valid secrets planned " + plan.size() + " writes, e.g. "
                    + plan.get(0));
        }
        return new Timed(ns, plan.size());
    }

    private static List<Timed> repeat(int times, Pass pass) throws Exception {
        List<Timed> out = new ArrayList<>();
        for (int i = 0; i < times; i++) {
            out.add(pass.run());
        }
        return out;
    }

    /** row, label, passes, median ms, min ms, max ms, largest plan size. */
    private static String row(String label, List<Timed> runs) {
        List<Long> ns = new ArrayList<>(runs.stream().map(Timed::nanos).toList());
        Collections.sort(ns);
        int plan = runs.stream().mapToInt(Timed::planSize).max().orElse(0);
        String line = String.join("\t", "row", label, String.valueOf(runs.size()), ms(ns.get(ns.size() / 2)),
                ms(ns.get(0)), ms(ns.get(ns.size() - 1)), String.valueOf(plan));
        System.out.println(line);
        return line;
    }

    /** per, label, µs per secret (best of 3 runs over the sample), sample size. */
    private static String per(String label, int count, Body body) throws Exception {
        long best = Long.MAX_VALUE;
        for (int r = 0; r < 3; r++) {
            long s = System.nanoTime();
            body.run();
            best = Math.min(best, System.nanoTime() - s);
        }
        String line = String.join("\t", "per", label, String.format("%.1f", best / 1000.0 / count),
                String.valueOf(count));
        System.out.println(line);
        return line;
    }

    private static String info(String key, Object value) {
        return "info\t" + key + "\t" + value;
    }

    private static String ms(long nanos) {
        return String.format("%.1f", nanos / 1e6);
    }

    // ---------------------------------------------------------------- the cluster

    /** A view whose derived facts can be invalidated, as InformerClusterView's are on every event. */
    static final class Changeable implements ClusterView {
        private final StaticClusterView delegate;
        private final AtomicLong generation = new AtomicLong();
        private final DerivedCache derived = new DerivedCache(this);

        Changeable(StaticClusterView delegate) {
            this.delegate = delegate;
        }

        void change() {
            generation.incrementAndGet();
        }

        @Override
        public List<Resource> resources(Kind kind) {
            return delegate.resources(kind);
        }

        @Override
        public List<Workload> workloads() {
            return delegate.workloads();
        }

        @Override
        public List<ServiceInfo> services() {
            return delegate.services();
        }

        @Override
        public Optional<SecretData> secret(String namespace, String name) {
            return delegate.secret(namespace, name);
        }

        @Override
        public List<String> namespacesWithSecret(String name) {
            return delegate.namespacesWithSecret(name);
        }

        /** Every kind changes at once: the worst case of an informer event. */
        @Override
        public long generation(Kind kind) {
            return generation.get();
        }

        @Override
        public DerivedCache derived() {
            return derived;
        }
    }

    /** An empty assessment cache: every Secret version is assessed again. */
    private static SecretAssessments freshAssessments() {
        return new StaticClusterView(List.of()).derived().get(SecretAssessments.DERIVATION);
    }

    private static List<Resource> ingress() throws Exception {
        String deployment = """
                {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"istio-ingressgateway","namespace":"istio-system"},
                 "spec":{"selector":{"matchLabels":{"istio":"ingressgateway"}},
                  "template":{"metadata":{"labels":{"istio":"ingressgateway","app":"istio-ingressgateway"}},
                   "spec":{"containers":[{"name":"istio-proxy","image":"docker.io/istio/proxyv2:1.28.0"}]}}}}""";
        String service = """
                {"apiVersion":"v1","kind":"Service","metadata":{"name":"istio-ingressgateway","namespace":"istio-system"},
                 "spec":{"selector":{"istio":"ingressgateway"},"ports":[{"name":"http2","port":80,"targetPort":8080},
                  {"name":"https","port":443,"targetPort":8443}]}}""";
        return List.of(Resource.of(JSON.readTree(deployment), "default", "bench"),
                Resource.of(JSON.readTree(service), "default", "bench"));
    }

    /** Gateway team-XX/app-NNNNN-gateway: HTTPS 443, host app-NNNNN.example.com, credentialName app-NNNNN-tls. */
    private static Resource gateway(int i) throws Exception {
        String name = String.format("app-%05d", i);
        String ns = String.format("team-%02d", i % 20);
        String json = """
                {"apiVersion":"networking.istio.io/v1","kind":"Gateway","metadata":{"name":"%s-gateway","namespace":"%s"},
                 "spec":{"selector":{"istio":"ingressgateway"},"servers":[{"port":{"number":443,"name":"https","protocol":"HTTPS"},
                  "hosts":["%s.example.com"],"tls":{"mode":"SIMPLE","credentialName":"%s-tls","minProtocolVersion":"TLSV1_2"}}]}}"""
                .formatted(name, ns, name, name);
        return Resource.of(JSON.readTree(json), "default", "bench");
    }

    private static Resource secret(CredentialDemand d, Map<String, byte[]> data, Map<String, String> labels,
                                   Map<String, String> annotations) {
        ObjectNode body = JSON.createObjectNode();
        body.put("apiVersion", "v1");
        body.put("kind", "Secret");
        ObjectNode meta = body.putObject("metadata");
        meta.put("name", d.secretName());
        meta.put("namespace", d.namespace());
        labels.forEach(meta.putObject("labels")::put);
        annotations.forEach(meta.putObject("annotations")::put);
        body.put("type", ManagedSecret.TYPE);
        ObjectNode encoded = body.putObject("data");
        data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v)));
        return Resource.of(body, d.namespace(), "bench");
    }

    // ---------------------------------------------------------------- small things

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

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalStateException(message);
        }
    }
}
