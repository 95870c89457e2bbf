package io.gatewarden;

import io.gatewarden.cli.AnalyzeOptions;
import io.gatewarden.cli.ManifestReader;
import io.gatewarden.model.Resource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The golden corpus under {@code src/test/resources/cases/}: one folder per case with manifests,
 * {@code expected.txt} and optionally {@code args.txt} (analyze flags). {@code {{b64:FILE}}} in a
 * manifest stands for the base64 of {@code certs-test/FILE}.
 */
public final class GoldenCorpus {
    public static final Path CASES = Path.of("src/test/resources/cases");
    static final Path CERTS = Path.of("certs-test");
    private static final Pattern B64 = Pattern.compile("\\{\\{b64:([A-Za-z0-9._-]+)}}");

    /** One case: its folder, the analyze options of its args.txt, and its resources in file order. */
    public record Case(Path dir, AnalyzeOptions options, List<Resource> resources) {
        public String name() {
            return dir.getFileName().toString();
        }
    }

    private GoldenCorpus() {
    }

    /** The case folder names containing {@code filter}, sorted. */
    public static List<String> names(String filter) throws IOException {
        try (Stream<Path> dirs = Files.list(CASES)) {
            return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> n.contains(filter)).sorted().toList();
        }
    }

    /** Every case, read. */
    public static List<Case> all() throws Exception {
        List<Case> out = new ArrayList<>();
        for (String name : names("")) {
            out.add(read(CASES.resolve(name)));
        }
        return out;
    }

    /** A case folder read the way the CLI reads it, with the case's args.txt. */
    public static Case read(Path dir) throws Exception {
        List<String> args = new ArrayList<>(List.of("-f", dir.toString()));
        args.addAll(args(dir));
        AnalyzeOptions options = AnalyzeOptions.parse(args);
        ManifestReader reader = new ManifestReader(options.namespace());
        List<Resource> resources = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")
                    || f.toString().endsWith(".json")).sorted().toList()) {
                resources.addAll(reader.read(withCertificates(Files.readString(f)), f.toString()));
            }
        }
        return new Case(dir, options, resources);
    }

    /** The analyze flags of a case (its args.txt), none when it has none. */
    public static List<String> args(Path dir) throws IOException {
        Path argsFile = dir.resolve("args.txt");
        return Files.exists(argsFile) ? List.of(Files.readString(argsFile).strip().split("\\s+")) : List.of();
    }

    /** Replaces {{b64:FILE}} with the base64 of certs-test/FILE. */
    public static String withCertificates(String yaml) throws IOException {
        Matcher m = B64.matcher(yaml);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            byte[] bytes = Files.readAllBytes(CERTS.resolve(m.group(1)));
            m.appendReplacement(sb, Base64.getEncoder().encodeToString(bytes));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
