package io.gatewarden.cli;

import io.gatewarden.certificates.process.GatewardenProcess;
import io.gatewarden.kube.KubeCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's first command, {@code bin/gatewarden demo}, run as a user runs it (the launcher script, its own
 * kube-apiserver and etcd from the cache the tests use, Gatewarden from target/): through the examples and out
 * again ({@code --exit-after-examples}), and left running then stopped by Ctrl-C (SIGINT to its process group,
 * as a terminal sends it). Each time nothing it started may outlive it.
 */
class DemoIT {
    static final Pattern WORK_DIR = Pattern.compile("Stopped; (\\S+) removed\\.");

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void theExamplesShowDenialsWarningsDefaultsAndProvisionedSecretsThenEverythingStops() throws Exception {
        Path out = GatewardenProcess.logDir().resolve("DemoIT-examples.log");
        long start = System.nanoTime();
        Process demo = demo(out, false, "--exit-after-examples");
        assertTrue(demo.waitFor(5, TimeUnit.MINUTES), "demo still running after 5 min\n" + Files.readString(out));
        long seconds = (System.nanoTime() - start) / 1_000_000_000;
        String text = Files.readString(out, StandardCharsets.UTF_8);
        System.out.printf("[DemoIT] demo --exit-after-examples: exit %d after %d s%n", demo.exitValue(), seconds);
        assertEquals(0, demo.exitValue(), text);

        text = text.replaceAll("\\s+", " "); // the demo folds long lines
        assertTrue(text.contains("denied the request: Gatewarden denied Gateway billing/billing-gateway: [GW303]"), text);
        assertTrue(text.contains("warning: [EG606]"), "warnings are shown: " + text);
        assertTrue(text.contains("defaults applied: MUT901,MUT903"), text);
        assertTrue(Pattern.compile("istio-system/api-tls SANs: api-v2\\.example\\.com,api\\.example\\.com "
                + "expires 20\\d\\d-\\d\\d-\\d\\dT").matcher(text).find(), "the provisioned secret, its SANs and expiry: " + text);
        assertTrue(text.contains("istio-system/partner-client SANs: partner-client.istio-system"), text);
        assertTrue(text.contains("expected POL804: shown"), text);
        assertFalse(text.contains("NOT SHOWN"), text);
        assertNothingLeft(text);
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void leftRunningItTakesYourManifestsAndCtrlCStopsEverything() throws Exception {
        Path mine = Files.createTempDirectory("demo-examples");
        Files.writeString(mine.resolve("gateway.yaml"), """
                # expect: GW301
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: mine, namespace: mine}
                spec:
                  selector: {istio: nowhere}
                  servers:
                  - port: {number: 80, name: http, protocol: HTTP}
                    hosts: [mine.example.com]
                """);
        Path out = GatewardenProcess.logDir().resolve("DemoIT-ctrl-c.log");
        Process demo = demo(out, true, "--examples", mine.toString());
        Pattern export = Pattern.compile("export KUBECONFIG=(\\S+)");
        String text = "";
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        Matcher m = export.matcher(text);
        while (!m.find()) {
            assertTrue(demo.isAlive() && System.nanoTime() < deadline, "no KUBECONFIG line:\n" + text);
            Thread.sleep(500);
            text = Files.readString(out, StandardCharsets.UTF_8);
            m = export.matcher(text);
        }
        assertTrue(text.contains("expected GW301: shown"), text);

        // The user's own manifest, with the printed kubeconfig: judged by Gatewarden.
        Path kubectl = KubeCluster.binDir().resolve("kubectl");
        Process apply = new ProcessBuilder(kubectl.toString(), "--kubeconfig", m.group(1), "apply", "--dry-run=server",
                "-f", "-").redirectErrorStream(true).start();
        try (var stdin = apply.getOutputStream()) {
            stdin.write(Files.readString(mine.resolve("gateway.yaml")).replace("name: mine,", "name: mine-too,")
                    .getBytes(StandardCharsets.UTF_8));
        }
        String applied = new String(apply.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(apply.waitFor(60, TimeUnit.SECONDS));
        assertTrue(applied.contains("denied the request") && applied.contains("[GW301]"), applied);

        long sigint = System.nanoTime();
        signalGroup("INT", demo.pid());
        assertTrue(demo.waitFor(60, TimeUnit.SECONDS), "still running 60 s after Ctrl-C\n" + Files.readString(out));
        System.out.printf("[DemoIT] Ctrl-C: stopped in %d ms, exit %d%n", (System.nanoTime() - sigint) / 1_000_000,
                demo.exitValue());
        assertNothingLeft(Files.readString(out, StandardCharsets.UTF_8));
    }

    /** bin/gatewarden demo ARGS, output to {@code out}; in its own session (setsid) when it is to get a Ctrl-C. */
    static Process demo(Path out, boolean ownProcessGroup, String... args) throws IOException {
        List<String> cmd = new java.util.ArrayList<>();
        if (ownProcessGroup) {
            cmd.add("setsid");
        }
        cmd.addAll(List.of("bash", "bin/gatewarden", "demo"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("KUBE_API_TEST_DIR", KubeCluster.cacheDir().toString());
        return pb.start();
    }

    static void signalGroup(String signal, long leader) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, "--", "-" + leader).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal + " -" + leader);
    }

    /** The working directory the demo reported is gone, and no process names it any more. */
    static void assertNothingLeft(String output) throws IOException {
        Matcher m = WORK_DIR.matcher(output);
        assertTrue(m.find(), "the demo reports its clean-up: " + output);
        String dir = m.group(1);
        assertFalse(Files.exists(Paths.get(dir)), dir + " still exists");
        List<String> left;
        try (Stream<Path> procs = Files.list(Paths.get("/proc"))) {
            left = procs.filter(p -> p.getFileName().toString().matches("\\d+")).map(p -> {
                try {
                    return new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                } catch (IOException e) {
                    return "";
                }
            }).filter(cmdline -> cmdline.contains(dir)).toList();
        }
        assertEquals(List.of(), left, "processes of the demo still running");
    }
}
