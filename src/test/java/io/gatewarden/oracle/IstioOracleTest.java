package io.gatewarden.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatewarden.GoldenCorpus;
import io.gatewarden.cli.Analysis;
import io.gatewarden.cli.AnalyzeOptions;
import io.gatewarden.cli.ManifestReader;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.rules.Engine;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Istio's own analyzers as the oracle of Gatewarden's rules (issue 10). First, the oracle must
 * reproduce Istio's own analyzer test table. Then, on corpus A (the inputs of that table) and corpus B
 * (the golden corpus and {@code examples/}), every Istio finding in scope ({@link OracleScope}) must be
 * found by Gatewarden on the same resource, and every Gatewarden finding under a mapped code must be one
 * Istio makes too, unless {@code src/test/resources/oracle/allow-list.txt} allows the difference with its
 * reason. Both sides get the same input: Istio's offline default resources (an ingress gateway Pod and
 * Service) are given to Gatewarden as well, and Gatewarden judges as {@code analyze --no-provision}.
 * The differences go to {@code target/istio-oracle/report.md}. If the oracle cannot be built or run, the
 * tests fail saying why.
 */
class IstioOracleTest {
    static final Path ALLOW_LIST = Path.of("src/test/resources/oracle/allow-list.txt");
    static final Path OUT = Path.of(System.getProperty("gatewarden.oracle.dir", "target/istio-oracle"));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static IstioOracle oracle;

    @BeforeAll
    static void provision() {
        oracle = IstioOracle.provision();
    }

    @Test
    void theOracleReproducesIstiosOwnTestTable() {
        List<IstioOracle.TableCase> table = oracle.table();
        assertTrue(table.size() > 50, "Istio's analyzer test table has only " + table.size() + " cases");
        List<IstioOracle.Job> jobs = new ArrayList<>();
        for (IstioOracle.TableCase c : table) {
            jobs.add(new IstioOracle.Job(c.name(), c.inputFiles(), "", c.meshConfig(), c.meshNetworks(), c.analyzer()));
        }
        List<IstioOracle.Result> results = oracle.run(jobs);
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < table.size(); i++) {
            IstioOracle.TableCase c = table.get(i);
            IstioOracle.Result r = results.get(i);
            List<String> want = sorted(c.expected().stream().map(e -> e.code() + " " + e.origin()));
            List<String> got = sorted(r.messages().stream().map(m -> m.code() + " " + m.origin()));
            if (r.error() != null || !want.equals(got)) {
                failures.add(c.name() + ": want " + want + ", got " + got + (r.error() == null ? "" : " error " + r.error()));
            }
        }
        System.out.println("istio-oracle: Istio's analyzer test table, " + table.size() + " cases, reproduced "
                + (table.size() - failures.size()));
        assertTrue(failures.isEmpty(), "the oracle does not reproduce Istio's own test table:\n"
                + String.join("\n", failures));
    }

    @Test
    void gatewardenFindsWhatIstioFinds() throws Exception {
        List<Case> cases = new ArrayList<>(corpusA());
        cases.addAll(corpusB());
        List<IstioOracle.Job> jobs = new ArrayList<>();
        for (Case c : cases) {
            jobs.add(new IstioOracle.Job(c.id(), c.oracleFiles().stream().map(Path::toString).toList(),
                    c.options().namespace(), c.meshConfig(), null, null));
        }
        List<IstioOracle.Result> results = oracle.run(jobs);
        AllowList allowed = AllowList.read(ALLOW_LIST);
        Report report = new Report();
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            IstioOracle.Result r = results.get(i);
            if (r.error() != null) {
                report.add(c.id(), List.of(new Difference(c.id(), "istio:error", "-", r.error(), null)));
                continue;
            }
            report.add(c.id(), compare(c, r.messages(), gatewarden(c), allowed));
        }
        String summary = report.summary(cases);
        Files.createDirectories(OUT);
        Files.writeString(OUT.resolve("report.md"), report.markdown(summary, allowed));
        System.out.println(summary + " (report: " + OUT.resolve("report.md") + ")");
        List<String> stale = allowed.unused().stream().map(e -> ALLOW_LIST + ":" + e.line() + " " + e.text()).toList();
        assertEquals(List.of(), stale, "allow-list entries no difference needs any more: remove them");
        List<String> failing = report.failing().stream().map(Difference::toString).toList();
        assertTrue(failing.isEmpty(), summary + "; differences no allow-list entry explains (see "
                + OUT.resolve("report.md") + "):\n" + String.join("\n", failing));
    }

    /**
     * One comparison: files as one cluster, judged by both. {@code resources} are the files as Gatewarden
     * reads them; {@code oracleFiles} are the files plus the Pods of their workload templates.
     */
    record Case(String id, List<Path> files, AnalyzeOptions options, String meshConfig, List<Resource> resources,
                List<Path> oracleFiles) {
    }

    /**
     * A case of files. Istio's offline analysis reads Pods but not workload templates, while the files
     * (like Gatewarden) describe gateways by their Deployments: Istio is given the Pod each template makes
     * (its labels, annotations and spec), as the cluster would run it.
     */
    private static Case newCase(String id, List<Path> files, List<String> caseArgs, String meshConfig) throws Exception {
        AnalyzeOptions options = options(files, caseArgs);
        List<Resource> resources = new ManifestReader(options.namespace()).read(files);
        List<String> pods = new ArrayList<>();
        for (Resource r : resources) {
            if (r.is(Kind.DEPLOYMENT) || r.is(Kind.STATEFUL_SET) || r.is(Kind.DAEMON_SET)) {
                pods.add(podOf(r));
            }
        }
        List<Path> oracleFiles = new ArrayList<>(files);
        if (!pods.isEmpty()) {
            Path podsFile = OUT.resolve("pods").resolve(id.replaceAll("[^A-Za-z0-9._-]", "_") + ".yaml");
            Files.createDirectories(podsFile.getParent());
            Files.writeString(podsFile, String.join("\n---\n", pods) + "\n");
            oracleFiles.add(podsFile);
        }
        return new Case(id, files, options, meshConfig, resources, oracleFiles);
    }

    /** The Pod a workload template makes, as JSON (which YAML readers take). */
    private static String podOf(Resource workload) {
        JsonNode template = workload.body().path("spec").path("template");
        ObjectNode pod = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Pod");
        ObjectNode metadata = pod.putObject("metadata")
                .put("name", workload.name() + "-" + workload.kind().toLowerCase(java.util.Locale.ROOT))
                .put("namespace", workload.namespace());
        for (String field : List.of("labels", "annotations")) {
            if (template.path("metadata").path(field).isObject()) {
                metadata.set(field, template.path("metadata").path(field).deepCopy());
            }
        }
        pod.set("spec", template.path("spec").deepCopy());
        return pod.toString();
    }

    /** A finding one side makes and the other does not; {@code allowedBy} null when it fails the test. */
    record Difference(String caseId, String finding, String resource, String message, AllowList.Entry allowedBy) {
        @Override
        public String toString() {
            return caseId + " " + finding + " " + resource + ": " + message;
        }
    }

    /** Corpus A: every distinct input of Istio's analyzer test table. */
    private static List<Case> corpusA() throws Exception {
        Map<String, Case> cases = new LinkedHashMap<>();
        for (IstioOracle.TableCase t : oracle.table()) {
            String id = "A:" + t.inputFiles().stream().map(f -> baseName(Path.of(f))).collect(Collectors.joining("+"))
                    + (t.meshConfig() == null ? "" : "@" + baseName(Path.of(t.meshConfig())));
            if (t.meshNetworks() != null || cases.containsKey(id)) {
                continue;
            }
            List<Path> files = t.inputFiles().stream().map(Path::of).toList();
            cases.put(id, newCase(id, files, List.of(), t.meshConfig()));
        }
        return List.copyOf(cases.values());
    }

    /** Corpus B: the golden corpus (certificates filled in, each with its args.txt) and examples/. */
    private static List<Case> corpusB() throws Exception {
        List<Case> cases = new ArrayList<>();
        for (String name : GoldenCorpus.names("")) {
            Path dir = GoldenCorpus.CASES.resolve(name);
            Path copy = OUT.resolve("cases").resolve(name);
            Files.createDirectories(copy);
            List<Path> files = new ArrayList<>();
            for (Path f : manifests(dir)) {
                Path target = copy.resolve(f.getFileName());
                Files.writeString(target, GoldenCorpus.withCertificates(Files.readString(f)));
                files.add(target);
            }
            cases.add(newCase("B:cases/" + name, files, GoldenCorpus.args(dir), null));
        }
        try (Stream<Path> dirs = Files.list(Path.of("examples"))) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                List<Path> files = manifests(dir);
                cases.add(newCase("B:examples/" + dir.getFileName(), files, List.of(), null));
            }
        }
        return cases;
    }

    private static AnalyzeOptions options(List<Path> files, List<String> caseArgs) throws Exception {
        List<String> args = new ArrayList<>();
        for (Path f : files) {
            args.add("-f");
            args.add(f.toString());
        }
        args.addAll(caseArgs);
        args.add("--no-provision");
        return AnalyzeOptions.parse(args);
    }

    /** Gatewarden's findings on the case's files plus Istio's default resources, which replace same-named ones as in Istio. */
    private static List<Diagnostic> gatewarden(Case c) throws Exception {
        ManifestReader reader = new ManifestReader(c.options().namespace());
        List<Resource> defaults = reader.read(oracle.defaultResources(), "Istio's default resources");
        List<Resource> resources = new ArrayList<>();
        for (Resource r : c.resources()) {
            if (defaults.stream().noneMatch(d -> d.kind().equals(r.kind()) && d.sameObject(r))) {
                resources.add(r);
            }
        }
        resources.addAll(defaults);
        return Analysis.of(resources, new Engine(c.options().settings())).diagnostics();
    }

    /** Both directions, on the same resource (Kind/namespace/name); one difference per code and resource. */
    static List<Difference> compare(Case c, List<IstioOracle.Finding> istio, List<Diagnostic> gatewarden,
                                    AllowList allowed) {
        Map<String, Set<Code>> found = new HashMap<>();
        for (Diagnostic d : gatewarden) {
            found.computeIfAbsent(resource(d), k -> EnumSet.noneOf(Code.class)).add(d.code());
        }
        Map<String, Set<Code>> answered = new HashMap<>();
        Set<String> seen = new HashSet<>();
        List<Difference> out = new ArrayList<>();
        for (IstioOracle.Finding f : istio) {
            Optional<OracleScope.Entry> e = OracleScope.of(f);
            if (e.isEmpty()) {
                continue;
            }
            Set<Code> answers = OracleScope.answers(f, e.get(), istio);
            answered.computeIfAbsent(f.resource(), k -> EnumSet.noneOf(Code.class)).addAll(answers);
            if (seen.add(f.code() + " " + f.resource())
                    && Collections.disjoint(found.getOrDefault(f.resource(), Set.of()), answers)) {
                out.add(difference(c, "istio:" + f.code(), f.resource(), f.message(), allowed));
            }
        }
        for (Diagnostic d : gatewarden) {
            String resource = resource(d);
            if (OracleScope.compared(d.code()) && !answered.getOrDefault(resource, Set.of()).contains(d.code())
                    && seen.add(d.code() + " " + resource)) {
                out.add(difference(c, "gatewarden:" + d.code(), resource, d.field() + ": " + d.message(), allowed));
            }
        }
        return out;
    }

    private static Difference difference(Case c, String finding, String resource, String message, AllowList allowed) {
        return new Difference(c.id(), finding, resource, message, allowed.allowing(c.id(), finding, resource).orElse(null));
    }

    private static String resource(Diagnostic d) {
        return d.kind() + "/" + d.namespace() + "/" + d.name();
    }

    /** The differences of every case, and the summary: cases, agreeing, allowed, failing. */
    static final class Report {
        private final Map<String, List<Difference>> byCase = new LinkedHashMap<>();

        void add(String caseId, List<Difference> differences) {
            byCase.put(caseId, differences);
        }

        List<Difference> failing() {
            return byCase.values().stream().flatMap(List::stream).filter(d -> d.allowedBy() == null).toList();
        }

        String summary(List<Case> cases) {
            long agreeing = byCase.values().stream().filter(List::isEmpty).count();
            long failing = byCase.values().stream().filter(l -> l.stream().anyMatch(d -> d.allowedBy() == null)).count();
            long a = cases.stream().filter(c -> c.id().startsWith("A:")).count();
            return "istio-oracle: " + cases.size() + " cases (A " + a + ", B " + (cases.size() - a) + "), "
                    + agreeing + " agreeing, " + (cases.size() - agreeing - failing) + " allowed, " + failing + " failing";
        }

        String markdown(String summary, AllowList allowed) {
            StringBuilder sb = new StringBuilder("# Gatewarden against Istio's analyzers\n\n").append(summary).append("\n\n");
            List<Difference> all = byCase.values().stream().flatMap(List::stream).toList();
            section(sb, "Failing: differences no allow-list entry explains", all.stream().filter(d -> d.allowedBy() == null).toList());
            section(sb, "Findings Gatewarden makes that Istio does not", all.stream()
                    .filter(d -> d.finding().startsWith("gatewarden:")).toList());
            section(sb, "Findings Istio makes that Gatewarden does not", all.stream()
                    .filter(d -> d.finding().startsWith("istio:")).toList());
            sb.append("## Allow-list\n\n");
            for (AllowList.Entry e : allowed.entries()) {
                sb.append("- `").append(e.text()).append("`: ").append(e.reason()).append('\n');
            }
            return sb.toString();
        }

        private static void section(StringBuilder sb, String title, List<Difference> list) {
            sb.append("## ").append(title).append(" (").append(list.size()).append(")\n\n");
            for (Difference d : list) {
                sb.append("- ").append(d.caseId()).append(" `").append(d.finding()).append("` ").append(d.resource())
                        .append(": ").append(d.message().replace('\n', ' '))
                        .append(d.allowedBy() == null ? " **(not allowed)**" : " (allowed: " + d.allowedBy().reason() + ")")
                        .append('\n');
            }
            sb.append('\n');
        }
    }

    private static List<Path> manifests(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")
                    || f.toString().endsWith(".json")).sorted().toList();
        }
    }

    private static String baseName(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? n : n.substring(0, dot);
    }

    private static List<String> sorted(Stream<String> s) {
        return s.sorted().toList();
    }
}
