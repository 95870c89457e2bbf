package io.gatewarden.kube;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the {@code kubectl} binary against one kubeconfig, with a bounded wait. Output goes to
 * temporary files (no pipe can fill up and block the child), which are read back and deleted.
 */
public final class Kubectl {
    /** What one kubectl invocation did. {@code exitCode} is -1 when it was killed after the timeout. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** Returns this result, or throws an AssertionError naming the command, exit code and both streams. */
        public Result assertOk() {
            if (!ok()) {
                throw new AssertionError(describe());
            }
            return this;
        }

        public String describe() {
            return "kubectl " + String.join(" ", command.subList(1, command.size())) + " -> exit " + exitCode
                    + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
        }
    }

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private final Path binary;
    private final Path kubeconfig;
    private final Path cacheDir;
    private final Duration timeout;

    /**
     * @param binary     the kubectl executable
     * @param kubeconfig passed as {@code --kubeconfig}
     * @param cacheDir   passed as {@code --cache-dir} (discovery cache), so ~/.kube is never touched
     */
    public Kubectl(Path binary, Path kubeconfig, Path cacheDir, Duration timeout) {
        this.binary = binary;
        this.kubeconfig = kubeconfig;
        this.cacheDir = cacheDir;
        this.timeout = timeout;
    }

    public Path binary() {
        return binary;
    }

    /** Runs kubectl with {@code args}; {@code stdin} may be null (then stdin is empty). */
    public Result run(String stdin, String... args) {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.add("--kubeconfig=" + kubeconfig);
        command.add("--cache-dir=" + cacheDir);
        command.addAll(Arrays.asList(args));
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("kubectl", ".out");
            err = Files.createTempFile("kubectl", ".err");
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            pb.environment().remove("KUBECONFIG");
            if (stdin == null) {
                pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            }
            Process p = pb.start();
            if (stdin != null) {
                try (OutputStream in = p.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // kubectl exited before reading everything: its exit code and stderr say why
                }
            }
            int exit;
            if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                exit = p.exitValue();
            } else {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                exit = -1;
            }
            String stderr = Files.readString(err);
            if (exit == -1) {
                stderr += "\n[killed after " + timeout.toSeconds() + " s]";
            }
            return new Result(List.copyOf(command), exit, Files.readString(out), stderr);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a temp file left behind is harmless
            }
        }
    }
}
