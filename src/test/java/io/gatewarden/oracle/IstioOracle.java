package io.gatewarden.oracle;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Istio's own analyzers as a program ({@code tools/istio-oracle}), built by
 * {@code scripts/provision-oracle.sh} into a cache (a no-op when built) and asked over JSON. Every
 * failure to build or run it is an {@link IllegalStateException} saying why: the tests using it fail,
 * never skip.
 */
final class IstioOracle {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** One analysis: files as one cluster. {@code namespace} goes to namespaced resources naming none. */
    record Job(String id, List<String> files, String namespace, String meshConfig, String meshNetworks,
               String analyzer) {
    }

    /** One message, as Istio prints it; {@code origin} is "Kind namespace/name" as Istio's tests write it. */
    record Finding(String code, String level, String analyzer, String origin, String kind, String namespace,
                   String name, String message) {
        String resource() {
            return kind + "/" + namespace + "/" + name;
        }
    }

    record Result(String id, String error, List<String> readErrors, List<Finding> messages) {
    }

    /** One entry of Istio's analyzer test table, paths absolute. */
    record TableCase(String name, List<String> inputFiles, String meshConfig, String meshNetworks, String analyzer,
                     boolean skipAll, List<Expected> expected) {
    }

    record Expected(String code, String messageType, String origin) {
    }

    private final Path dir;

    private IstioOracle(Path dir) {
        this.dir = dir;
    }

    /** Builds the oracle if its cache has no build of the current source, and returns it. */
    static IstioOracle provision() {
        ProcessResult r = exec(List.of("bash", "scripts/provision-oracle.sh"), null, 60);
        if (r.exit != 0) {
            throw new IllegalStateException("scripts/provision-oracle.sh failed (exit " + r.exit + "), so Istio's "
                    + "analyzers cannot be asked:\n" + r.err);
        }
        Path dir = Path.of(r.out.strip());
        if (!Files.isExecutable(dir.resolve("istio-oracle"))) {
            throw new IllegalStateException("scripts/provision-oracle.sh printed " + dir + ", which holds no istio-oracle");
        }
        return new IstioOracle(dir);
    }

    /** The copy of the module's {@code pkg/config/analysis} next to the binary. */
    Path analysisSources() {
        return dir.resolve("analysis");
    }

    List<TableCase> table() {
        ProcessResult r = exec(List.of(dir.resolve("istio-oracle").toString(), "table", analysisSources().toString()),
                null, 5);
        check(r, "table");
        return parse(r.out, new TypeReference<>() { });
    }

    List<Result> run(List<Job> jobs) {
        String in;
        try {
            in = JSON.writeValueAsString(jobs);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        ProcessResult r = exec(List.of(dir.resolve("istio-oracle").toString(), "run"), in, 30);
        check(r, "run");
        List<Result> results = parse(r.out, new TypeReference<>() { });
        if (results.size() != jobs.size()) {
            throw new IllegalStateException("istio-oracle answered " + results.size() + " of " + jobs.size() + " jobs");
        }
        return results;
    }

    /**
     * The resources Istio's offline analysis assumes exist (an ingress gateway Pod and Service in
     * istio-system), read from the template in Istio's own source ({@code local/defaults.go}), so
     * Gatewarden is given exactly what Istio was given.
     */
    String defaultResources() {
        Path file = analysisSources().resolve("local/defaults.go");
        try {
            Matcher m = Pattern.compile("const defaultIstioIngressGateway = `([^`]*)`").matcher(Files.readString(file));
            if (!m.find()) {
                throw new IllegalStateException(file + " no longer holds defaultIstioIngressGateway");
            }
            return m.group(1).replace("{{.namespace}}", "istio-system")
                    .replace("{{.ingressService}}", "istio-ingressgateway");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read Istio's default resources: " + e.getMessage(), e);
        }
    }

    private static <T> T parse(String json, TypeReference<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (IOException e) {
            throw new IllegalStateException("istio-oracle printed what is not its JSON: " + e.getMessage(), e);
        }
    }

    private static void check(ProcessResult r, String command) {
        if (r.exit != 0) {
            throw new IllegalStateException("istio-oracle " + command + " failed (exit " + r.exit + "):\n" + r.err);
        }
    }

    private record ProcessResult(int exit, String out, String err) {
    }

    private static ProcessResult exec(List<String> command, String stdin, int timeoutMinutes) {
        try {
            Path out = Files.createTempFile("istio-oracle", ".out");
            Path err = Files.createTempFile("istio-oracle", ".err");
            try {
                Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (stdin != null) {
                    p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
                }
                p.getOutputStream().close();
                if (!p.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    throw new IllegalStateException(String.join(" ", command) + " did not finish in "
                            + timeoutMinutes + " minutes");
                }
                return new ProcessResult(p.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        }
    }
}
