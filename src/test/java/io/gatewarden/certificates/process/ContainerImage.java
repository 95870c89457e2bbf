package io.gatewarden.certificates.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The container image {@code scripts/build-image.sh} writes ({@code target/gatewarden-image.tar}, path from the
 * system property {@value #ARCHIVE_PROPERTY}), loaded into a podman storage of its own under the build directory
 * (nothing outside it is touched) and run as users run it: {@code --read-only}, the image's own user, the
 * image's entrypoint, configured through {@code JAVA_OPTS}.
 */
public final class ContainerImage {
    public static final String ARCHIVE_PROPERTY = "gatewarden.image.archive";
    private static final List<String> LIVE = new java.util.concurrent.CopyOnWriteArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(ContainerImage::forceRemove),
                "gatewarden-it-container-remover"));
    }

    private final Path archive;
    private final String name;

    /** What one podman invocation did. */
    public record Result(List<String> command, int exitCode, String output) {
        public Result assertOk() {
            if (exitCode != 0) {
                throw new AssertionError(String.join(" ", command) + " -> exit " + exitCode + "\n" + output);
            }
            return this;
        }
    }

    private ContainerImage(Path archive, String name) {
        this.archive = archive;
        this.name = name;
    }

    /** {@code podman load} of the archive; fails with a hint when it has not been built. */
    public static ContainerImage load() {
        String p = System.getProperty(ARCHIVE_PROPERTY);
        Path archive = (p == null || p.isBlank() ? Paths.get("target", "gatewarden-image.tar") : Paths.get(p))
                .toAbsolutePath();
        if (!Files.isRegularFile(archive)) {
            throw new IllegalStateException(archive + " does not exist: build it with `mvn -B package -Pimage` "
                    + "(or scripts/build-image.sh after mvn package)");
        }
        Result loaded = podman("load", "-q", "-i", archive.toString()).assertOk();
        String name = loaded.output().lines().filter(l -> l.startsWith("Loaded image")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).trim())
                .orElseThrow(() -> new AssertionError("podman load named no image:\n" + loaded.output()));
        return new ContainerImage(archive, name);
    }

    public Path archive() {
        return archive;
    }

    /** The name the archive carries, e.g. {@code localhost/gatewarden:0.1.0}. */
    public String name() {
        return name;
    }

    /** {@code podman image inspect --format FORMAT}, trimmed. */
    public String inspect(String format) {
        return podman("image", "inspect", "--format", format, name).assertOk().output().trim();
    }

    /**
     * Runs the image attached (so SIGTERM to the podman process reaches the JVM) with the host's network (the
     * test API server and the ports are on 127.0.0.1), a read-only root filesystem (podman puts a tmpfs on
     * /tmp, as the Deployment's emptyDir does), and each of {@code mounts} read-only at the same path inside.
     */
    public Container container(List<Path> mounts) {
        return new Container("gatewarden-it-" + UUID.randomUUID().toString().substring(0, 8), mounts);
    }

    /** One container of this image: a {@link GatewardenProcess.Launcher}, removed when the process ends. */
    public final class Container implements GatewardenProcess.Launcher {
        private final String containerName;
        private final List<Path> mounts;

        private Container(String containerName, List<Path> mounts) {
            this.containerName = containerName;
            this.mounts = List.copyOf(mounts);
        }

        @Override
        public List<String> command(List<String> jvmOptions) {
            List<String> cmd = new ArrayList<>(podmanCommand());
            cmd.addAll(List.of("run", "--rm", "--name", containerName, "--network=host", "--read-only",
                    // podman's default limits exceed the hard limits of some sandboxes, where raising
                    // them is refused (no CAP_SYS_RESOURCE): ask for what Gatewarden needs instead.
                    "--ulimit=nofile=4096:4096", "--ulimit=nproc=4096:4096"));
            for (Path m : mounts) {
                cmd.add("--volume=" + m.toAbsolutePath() + ":" + m.toAbsolutePath() + ":ro");
            }
            cmd.add("--env=JAVA_OPTS=" + String.join(" ", jvmOptions));
            cmd.add(name);
            LIVE.add(containerName);
            return cmd;
        }

        /** The container's main process as the host sees it, for /proc checks. */
        public long hostPid() {
            return Long.parseLong(podman("inspect", "--format", "{{.State.Pid}}", containerName).assertOk()
                    .output().trim());
        }

        @Override
        public void cleanUp() {
            forceRemove(containerName);
            LIVE.remove(containerName);
        }
    }

    private static void forceRemove(String container) {
        podman("rm", "--force", "--ignore", container);
    }

    /**
     * podman with its storage under the build directory and its run state in a short temp path (socket paths
     * are limited to 108 bytes). runc rather than crun: crun 1.8 refuses hosts whose cgroup hierarchy is
     * hybrid (v1 controllers plus a v2 mount with controllers), as on these VMs.
     */
    static List<String> podmanCommand() {
        Path build = Paths.get(System.getProperty(ARCHIVE_PROPERTY, "target/gatewarden-image.tar"))
                .toAbsolutePath().getParent();
        Path runRoot = Paths.get(System.getProperty("java.io.tmpdir"),
                "gw-podman-" + Integer.toHexString(build.toString().hashCode()));
        List<String> cmd = new ArrayList<>(List.of("podman", "--root", build.resolve("podman-storage").toString(),
                "--runroot", runRoot.toString()));
        if (onPath("runc")) {
            cmd.add("--runtime=runc");
        }
        return cmd;
    }

    private static boolean onPath(String tool) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .anyMatch(d -> Files.isExecutable(Paths.get(d, tool)))
                || Files.isExecutable(Paths.get("/usr/sbin", tool));
    }

    /** Runs podman (bounded: 3 minutes), output and errors together. */
    public static Result podman(String... args) {
        List<String> cmd = new ArrayList<>(podmanCommand());
        cmd.addAll(Arrays.asList(args));
        try {
            Path out = Files.createTempFile("podman", ".out");
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
                if (!p.waitFor(3, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    return new Result(cmd, -1, Files.readString(out, StandardCharsets.UTF_8) + "\n[killed after 3 min]");
                }
                return new Result(cmd, p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd + " (scripts/install-container-tools.sh installs podman)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + cmd, e);
        }
    }
}
