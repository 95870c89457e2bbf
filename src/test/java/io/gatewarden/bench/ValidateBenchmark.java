package io.gatewarden.bench;

import io.gatewarden.kube.KubeCluster;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Not a test: the Kubernetes side of {@code bench/validate.sh}. Starts the harness's real
 * kube-apiserver (KubeCluster), seeds it with the ingress fixture and {@code bench/cluster/seed.yaml},
 * writes the kubeconfig for the Gatewarden under benchmark, and keeps the cluster up until the script
 * says stop. Named so that surefire's default includes (*Test, Test*, *Tests, *TestCase) skip it; it
 * runs only as {@code mvn test -Dtest=ValidateBenchmark} and does nothing without BENCH_STATE_DIR.
 *
 * <p>Environment: {@code BENCH_STATE_DIR} (required; receives {@code kubeconfig.yaml}, {@code ready}
 * or {@code failed}; the script creates {@code stop} there when done), {@code BENCH_SEED} (default
 * bench/cluster/seed.yaml), {@code BENCH_BACKGROUND_GATEWAYS} (extra Gateways already in the cluster,
 * default 0), {@code BENCH_POD_CHURN} (Pod writes per second in an unrelated namespace while the
 * cluster is up, half creations and half deletions, as a cluster's rollouts make them; default 0; the
 * rate achieved goes to {@code churn} in the state directory), {@code BENCH_MAX_SECONDS} (upper bound on
 * how long the cluster stays up, default 1800).
 */
class ValidateBenchmark {
    private static final Pattern B64 = Pattern.compile("\\{\\{b64:([A-Za-z0-9._-]+)}}");

    @Test
    void serveClusterForBenchmark() throws Exception {
        String stateDir = System.getenv("BENCH_STATE_DIR");
        Assumptions.assumeTrue(stateDir != null && !stateDir.isBlank(),
                "BENCH_STATE_DIR not set: run bench/validate.sh instead");
        Path state = Path.of(stateDir);
        Files.createDirectories(state);
        try {
            long t0 = System.nanoTime();
            KubeCluster cluster = KubeCluster.get();
            cluster.ensureIngressGatewayFixture();
            Path seed = Path.of(envOr("BENCH_SEED", "bench/cluster/seed.yaml"));
            cluster.apply(substitute(Files.readString(seed, StandardCharsets.UTF_8)));
            int background = Integer.parseInt(envOr("BENCH_BACKGROUND_GATEWAYS", "0"));
            if (background > 0) {
                cluster.apply(backgroundGateways(background));
            }
            Files.writeString(state.resolve("kubeconfig.yaml"), cluster.kubeconfigYaml(), StandardCharsets.UTF_8);
            Files.writeString(state.resolve("ready"), "cluster " + cluster.apiServerUrl() + " seeded in "
                    + Duration.ofNanos(System.nanoTime() - t0).toMillis() + " ms (" + cluster.timings() + "), "
                    + background + " background Gateways\n", StandardCharsets.UTF_8);
        } catch (Throwable e) {
            Files.writeString(state.resolve("failed"), String.valueOf(e), StandardCharsets.UTF_8);
            throw e;
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(Long.parseLong(envOr("BENCH_MAX_SECONDS", "1800"))).toNanos();
        int churn = Integer.parseInt(envOr("BENCH_POD_CHURN", "0"));
        if (churn > 0) {
            churnPods(KubeCluster.get().client(), churn, state, deadline);
        }
        while (!Files.exists(state.resolve("stop")) && System.nanoTime() < deadline) {
            Thread.sleep(250);
        }
        // KubeCluster's shutdown hook stops kube-apiserver and etcd when this JVM exits.
    }

    /**
     * Until the script says stop: {@code perSecond} Pod writes a second in namespace bench-churn, each
     * a creation of a new Pod (labels of its own app) or the deletion of the oldest of the 50 alive.
     * Nothing selects these Pods: they stand for the rest of a busy cluster.
     */
    private static void churnPods(KubernetesClient client, int perSecond, Path state, long deadline) throws Exception {
        client.resource(new NamespaceBuilder().withNewMetadata().withName("bench-churn").endMetadata().build())
                .serverSideApply();
        ArrayDeque<String> alive = new ArrayDeque<>();
        long period = 1_000_000_000L / perSecond;
        long start = System.nanoTime();
        long writes = 0;
        for (int i = 0; !Files.exists(state.resolve("stop")) && System.nanoTime() < deadline; i++) {
            if (alive.size() >= 50 && i % 2 == 1) {
                client.pods().inNamespace("bench-churn").withName(alive.removeFirst()).delete();
            } else {
                String name = "churn-" + i;
                client.pods().inNamespace("bench-churn").resource(new PodBuilder()
                        .withNewMetadata().withName(name).withLabels(Map.of("app", name)).endMetadata()
                        .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
                        .build()).create();
                alive.addLast(name);
            }
            writes++;
            long next = start + writes * period;
            long now = System.nanoTime();
            if (next > now) {
                Thread.sleep((next - now) / 1_000_000, (int) ((next - now) % 1_000_000));
            }
            if (writes % perSecond == 0) {
                Files.writeString(state.resolve("churn"), String.format("%.1f", writes / ((System.nanoTime() - start) / 1e9)),
                        StandardCharsets.UTF_8);
            }
        }
    }

    private static String envOr(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    /** Replaces each b64 placeholder with the base64 of the named certs-test/ file. */
    static String substitute(String yaml) throws IOException {
        Matcher m = B64.matcher(yaml);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            byte[] bytes = Files.readAllBytes(Path.of("certs-test", m.group(1)));
            m.appendReplacement(sb, Base64.getEncoder().encodeToString(bytes));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /**
     * Gateways other teams already have (namespace bench-bg): one HTTP server each with its own host,
     * on the same ingress workload. They make every review pay for the rest of the cluster's Gateways.
     */
    static String backgroundGateways(int n) {
        StringBuilder sb = new StringBuilder("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: bench-bg\n");
        for (int i = 0; i < n; i++) {
            sb.append("---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: bg-").append(i)
                    .append("\n  namespace: bench-bg\nspec:\n  selector:\n    istio: ingressgateway\n  servers:\n")
                    .append("  - port:\n      number: 80\n      name: http\n      protocol: HTTP\n    hosts:\n")
                    .append("    - bg-").append(i).append(".example.com\n");
        }
        return sb.toString();
    }
}
