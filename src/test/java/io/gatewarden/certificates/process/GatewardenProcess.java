package io.gatewarden.certificates.process;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Gatewarden as a separate JVM: the packaged {@code quarkus-run.jar} (path from the system property
 * {@value #APP_JAR_PROPERTY}, set by the pom for failsafe), talking to the test kube-apiserver through a
 * kubeconfig, listening on 127.0.0.1 only (free ports), stdout+stderr captured to a file.
 *
 * <p>Every started process is registered with a JVM shutdown hook that SIGKILLs it, so an aborted
 * test run leaves nothing behind; tests still stop their processes in finally/afterAll.
 */
public final class GatewardenProcess implements AutoCloseable {
    public static final String APP_JAR_PROPERTY = "gatewarden.app.jar";
    public static final String LOG_DIR_PROPERTY = "gatewarden.it.logDir";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
                "gatewarden-it-process-killer"));
    }

    private final String identity;
    private final Process process;
    private final Path log;
    private final int httpsPort;
    private final int managementPort;
    private final Launcher launcher;
    private final long startedNanos = System.nanoTime();

    /**
     * How Gatewarden is started: the packaged jar on this JVM's {@code java} ({@link #JAR}), or the container
     * image ({@link ContainerImage#launcher}). Both get the same JVM options (system properties, heap).
     */
    public interface Launcher {
        List<String> command(List<String> jvmOptions);

        /** Called once the process has ended or been stopped: removes what the launcher left behind. */
        default void cleanUp() {
        }
    }

    /** {@code java <options> -jar quarkus-run.jar}. */
    public static final Launcher JAR = options -> {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(options);
        cmd.add("-jar");
        cmd.add(appJar().toString());
        return cmd;
    };

    /** What /q/health/ready said: HTTP status, overall status and the check's data. */
    public record Health(int httpStatus, String status, boolean certificateLeader, boolean clusterSynced,
                         String issuingCa) {
        public boolean ready() {
            return httpStatus == 200 && "UP".equals(status);
        }
    }

    private GatewardenProcess(String identity, Process process, Path log, int httpsPort, int managementPort,
                              Launcher launcher) {
        this.identity = identity;
        this.process = process;
        this.log = log;
        this.httpsPort = httpsPort;
        this.managementPort = managementPort;
        this.launcher = launcher;
    }

    /** The packaged application, failing with a hint when it has not been built. */
    public static Path appJar() {
        String p = System.getProperty(APP_JAR_PROPERTY);
        Path jar = p == null || p.isBlank() ? Paths.get("target", "quarkus-app", "quarkus-run.jar") : Paths.get(p);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar.toAbsolutePath() + " does not exist: these tests run the packaged "
                    + "application; run them with `mvn verify` (failsafe, after package) or set -D" + APP_JAR_PROPERTY);
        }
        return jar.toAbsolutePath();
    }

    /** Where process logs go: {@value #LOG_DIR_PROPERTY}, else a temp dir. */
    public static Path logDir() {
        String p = System.getProperty(LOG_DIR_PROPERTY);
        Path dir = p == null || p.isBlank() ? Paths.get(System.getProperty("java.io.tmpdir"), "gatewarden-it-logs")
                : Paths.get(p);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create " + dir, e);
        }
        return dir;
    }

    /** A port free on 127.0.0.1 right now. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    /**
     * Starts one instance with the leader-election timings the tests use (lease 6 s, renew deadline 4 s,
     * retry 1 s) plus {@code extra} system properties (which may override them).
     *
     * @param logName file name (in {@link #logDir()}) for stdout and stderr; replaced if present
     */
    public static GatewardenProcess start(String kubeconfig, String identity, String logName,
                                          Map<String, String> extra) {
        return start(JAR, kubeconfig, identity, logName, extra);
    }

    /** {@link #start(String, String, String, Map)} with another launcher (the container image). */
    public static GatewardenProcess start(Launcher launcher, String kubeconfig, String identity, String logName,
                                          Map<String, String> extra) {
        int https = freePort();
        int http = freePort();
        int management = freePort();
        Map<String, String> props = new LinkedHashMap<>();
        props.put("kubeconfig", kubeconfig);
        props.put("quarkus.http.host", "127.0.0.1");
        props.put("quarkus.http.port", String.valueOf(http));
        props.put("quarkus.http.ssl-port", String.valueOf(https));
        props.put("quarkus.management.host", "127.0.0.1");
        props.put("quarkus.management.port", String.valueOf(management));
        // The webhook is registered by URL with certs-test/ca.crt unless a test asks for self-managed TLS.
        props.put("gatewarden.webhook.tls", "files");
        props.put("gatewarden.tls.cert-file", Paths.get("certs-test", "server.crt").toAbsolutePath().toString());
        props.put("gatewarden.tls.key-file", Paths.get("certs-test", "server.key").toAbsolutePath().toString());
        props.put("gatewarden.identity", identity);
        props.put("gatewarden.namespace", "gatewarden");
        props.put("gatewarden.certificates.leader-election.lease-duration", "6s");
        props.put("gatewarden.certificates.leader-election.renew-deadline", "4s");
        props.put("gatewarden.certificates.leader-election.retry-period", "1s");
        // Each instance gets its own user agent, hence its own field manager in metadata.managedFields.
        props.put("kubernetes.user.agent", userAgent(identity));
        props.putAll(extra);

        List<String> options = new ArrayList<>();
        options.add("-Xmx384m");
        options.add("-XX:TieredStopAtLevel=1"); // starts faster; these tests are not about throughput
        props.forEach((k, v) -> options.add("-D" + k + "=" + v));
        List<String> cmd = launcher.command(options);

        Path log = logDir().resolve(logName);
        try {
            Files.deleteIfExists(log);
            Process p = new ProcessBuilder(cmd).directory(Paths.get("").toAbsolutePath().toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            LIVE.add(p);
            return new GatewardenProcess(identity, p, log, https, management, launcher);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + cmd, e);
        }
    }

    /** The user agent (and so the managedFields manager name) of the instance with that identity. */
    public static String userAgent(String identity) {
        return "gatewarden-it-" + identity + "/1.0";
    }

    /** The managedFields manager name of that identity: the user agent up to its first '/'. */
    public static String fieldManager(String identity) {
        String ua = userAgent(identity);
        return ua.substring(0, ua.indexOf('/'));
    }

    public String identity() {
        return identity;
    }

    /** The webhook port (HTTPS) on 127.0.0.1. */
    public int httpsPort() {
        return httpsPort;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path log() {
        return log;
    }

    /** Readiness, or empty when the management port does not answer (yet) within 2 s. */
    public Optional<Health> health() {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/q/health/ready"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        try {
            HttpResponse<String> resp = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(resp.body());
            JsonNode data = null;
            for (JsonNode check : body.path("checks")) {
                if ("gatewarden".equals(check.path("name").asText())) {
                    data = check.path("data");
                }
            }
            if (data == null) {
                return Optional.of(new Health(resp.statusCode(), body.path("status").asText(), false, false,
                        "no gatewarden check"));
            }
            return Optional.of(new Health(resp.statusCode(), body.path("status").asText(),
                    data.path("certificateLeader").asBoolean(false), data.path("clusterSynced").asBoolean(false),
                    data.path("issuingCa").asText()));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** The Prometheus text from /q/metrics, or empty when the management port does not answer within 2 s. */
    public Optional<String> metrics() {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/q/metrics"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        try {
            return Optional.of(HTTP.send(req, HttpResponse.BodyHandlers.ofString()).body());
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** The exit status once the process has ended by itself within the timeout. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(identity + " still running after " + timeout + "\n" + tail(40));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        LIVE.remove(process);
        launcher.cleanUp();
        return process.exitValue();
    }

    public boolean isLeader() {
        return health().map(Health::certificateLeader).orElse(false);
    }

    /** POSTs {@code body} to a webhook path ({@code /validate}, {@code /mutate}) over HTTPS, trusting certs-test/ca.crt. */
    public HttpResponse<String> post(String path, String body) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + httpsPort + path))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        for (int attempt = 1; ; attempt++) {
            try {
                return WEBHOOK.send(req, HttpResponse.BodyHandlers.ofString());
            } catch (java.net.ConnectException e) {
                // A loaded machine: the connection (not the review) failed; try again, a few times.
                if (attempt == 5 || !process.isAlive()) {
                    throw new IllegalStateException("POST " + path + " to " + this + " failed\n" + tail(20), e);
                }
                sleep(500);
            } catch (IOException e) {
                throw new IllegalStateException("POST " + path + " to " + this + " failed", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** An HTTP client trusting the test CA that signed certs-test/server.crt (the webhook's certificate). */
    private static final HttpClient WEBHOOK = webhookClient();

    private static HttpClient webhookClient() {
        try (var in = Files.newInputStream(Paths.get("certs-test", "ca.crt"))) {
            java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(in));
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);
            return HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(10)).build();
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot trust certs-test/ca.crt", e);
        }
    }

    /** The value of the first Prometheus sample whose line starts with {@code series}, or NaN when none (or no answer). */
    public double metric(String series) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/q/metrics"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        try {
            String body = HTTP.send(req, HttpResponse.BodyHandlers.ofString()).body();
            return body.lines().filter(l -> l.startsWith(series)).findFirst()
                    .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).orElse(Double.NaN);
        } catch (IOException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    /** Polls readiness every 100 ms until ready; fails with the log tail when it is not within the timeout. */
    public Health awaitReady(Duration timeout) {
        return awaitHealth(timeout, Health::ready, "ready");
    }

    /** Polls readiness every 100 ms until the predicate holds. */
    public Health awaitHealth(Duration timeout, Predicate<Health> condition, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Optional<Health> last = Optional.empty();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(identity + " exited (" + process.exitValue() + ") before being " + what
                        + "\n" + tail(40));
            }
            last = health();
            if (last.isPresent() && condition.test(last.get())) {
                return last.get();
            }
            sleep(100);
        }
        throw new AssertionError(identity + " not " + what + " within " + timeout + "; last health " + last
                + "\n" + tail(40));
    }

    /** SIGKILL (Process.destroyForcibly on Linux), waiting (bounded) until it is gone. */
    public void kill9() {
        process.destroyForcibly();
        waitGone(Duration.ofSeconds(10));
    }

    /** SIGSTOP: the process freezes (like a long GC pause or a partitioned node) and renews nothing. */
    public void pause() {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid()))
                    .redirectErrorStream(true).start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                kill.destroyForcibly();
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException("kill -" + name + " " + process.pid(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** SIGTERM and return at once (what the kubelet does when a pod is deleted). */
    public void terminate() {
        process.destroy();
    }

    /** SIGTERM (graceful: releases the Lease), then SIGKILL when not gone within 15 s. */
    public void stop() {
        if (!process.isAlive()) {
            LIVE.remove(process);
            return;
        }
        try {
            signal("CONT"); // a paused process cannot act on SIGTERM
        } catch (IllegalStateException e) {
            // gone meanwhile
        }
        process.destroy();
        if (!waitGone(Duration.ofSeconds(15))) {
            kill9();
        }
    }

    private boolean waitGone(Duration timeout) {
        try {
            boolean gone = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (gone) {
                LIVE.remove(process);
                launcher.cleanUp();
            }
            return gone;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** The captured output so far. */
    public List<String> lines() {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            // A line cut in the middle of a multi-byte character: read leniently.
            try {
                return new String(Files.readAllBytes(log), StandardCharsets.ISO_8859_1).lines().toList();
            } catch (IOException e2) {
                return List.of();
            }
        }
    }

    public List<String> lines(Pattern pattern) {
        return lines().stream().filter(l -> pattern.matcher(l).find()).toList();
    }

    public String tail(int n) {
        List<String> all = lines();
        return "---- last lines of " + log + " ----\n"
                + String.join("\n", all.subList(Math.max(0, all.size() - n), all.size()));
    }

    public double secondsSinceStart() {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return "Gatewarden[" + identity + ", pid " + process.pid() + ", mgmt " + managementPort + "]";
    }
}
