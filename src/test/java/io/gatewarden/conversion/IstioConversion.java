package io.gatewarden.conversion;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Istio's own Gateway API conversion as a program: the harness of Istio's {@code TestConvertResources}
 * ({@code istio.io/istio/pilot/pkg/config/kube/gateway}, the version {@code tools/istio-gateway-conversion/go.mod}
 * pins) compiled by {@code tools/istio-gateway-conversion/build.sh} into {@code ~/.cache/gatewarden} (once;
 * several minutes) and run over a directory of inputs. For each {@code NAME.yaml} it writes
 * {@code NAME.status.yaml} (the status istiod would write, in Istio's golden format) and
 * {@code NAME.cluster.yaml} (the Services, Secrets, ConfigMaps and Namespaces the harness adds).
 */
final class IstioConversion {
    static final Path TOOL = Path.of("tools/istio-gateway-conversion");

    private IstioConversion() {
    }

    /** Builds the program if needed; its path. */
    static Path build() throws IOException, InterruptedException {
        String out = run(List.of("bash", TOOL.resolve("build.sh").toString()), null, null, 40);
        Path binary = Path.of(out.strip().lines().reduce((a, b) -> b).orElse(""));
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("build.sh printed '" + out + "', which is not an executable");
        }
        return binary;
    }

    /** Converts every {@code *.yaml} of {@code in}, writing into {@code out}. */
    static void convert(Path binary, Path in, Path out) throws IOException, InterruptedException {
        run(List.of(binary.toString(), "-test.run", "^TestGatewardenInputs$", "-test.count=1"), in, out, 20);
    }

    private static String run(List<String> command, Path in, Path out, int minutes)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (in != null) {
            pb.environment().put("GATEWARDEN_CONVERSION_IN", in.toAbsolutePath().toString());
            pb.environment().put("GATEWARDEN_CONVERSION_OUT", out.toAbsolutePath().toString());
            pb.directory(out.toFile());
        }
        Path log = Files.createTempFile("istio-conversion", ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(command + " did not finish within " + minutes + " min");
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        Files.delete(log);
        if (p.exitValue() != 0) {
            throw new IllegalStateException(command + " exited " + p.exitValue() + ":\n" + output);
        }
        return output;
    }
}
