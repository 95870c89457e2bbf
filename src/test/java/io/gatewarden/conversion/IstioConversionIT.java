package io.gatewarden.conversion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.gatewarden.cli.Analysis;
import io.gatewarden.cli.ManifestReader;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.diagnostics.Severity;
import io.gatewarden.facts.RuleSettings;
import io.gatewarden.kube.KubeCluster;
import io.gatewarden.model.Resource;
import io.gatewarden.rules.Engine;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gatewarden's GA findings against Istio's own Gateway API conversion, run on the same input: Istio's
 * conversion testdata (whose status goldens the fresh run must reproduce, proving the harness is Istio's)
 * and Gatewarden's examples/gateway-api. Per object, each False condition reason Istio writes that a GA
 * code stands for ({@link #REASONS}) is matched with Gatewarden's errors and warnings on that object.
 * Gatewarden runs without provisioning (Istio alone does not create secrets). Every disagreement is
 * listed with its reason in {@code src/test/resources/istio-conversion/disagreements.txt}: a new one, or
 * one that went away, fails this test.
 */
class IstioConversionIT {
    static final Path ISTIO_TESTDATA = KubeCluster.cacheDir().resolve("istio-gateway-testdata");
    static final Path EXAMPLES = Path.of("examples/gateway-api");
    static final Path DISAGREEMENTS = Path.of("src/test/resources/istio-conversion/disagreements.txt");
    static final String GROUP = "gateway.networking.k8s.io";
    /** Istio's False-condition reasons, per kind family, and the GA codes that stand for each. */
    static final Map<String, Set<String>> REASONS = Map.of(
            "Gateway:InvalidCertificateRef", Set.of("GA703", "GA705"),
            "Gateway:RefNotPermitted", Set.of("GA704"),
            "Route:RefNotPermitted", Set.of("GA709"),
            "Route:BackendNotFound", Set.of("GA709"),
            "Route:InvalidKind", Set.of("GA709"),
            "Route:NotAllowedByListeners", Set.of("GA708"),
            "Route:NoMatchingListenerHostname", Set.of("GA706"),
            "Route:NoMatchingParent", Set.of("GA706", "GA708"));
    static final Set<String> CODES = Set.of("GA703", "GA704", "GA705", "GA706", "GA708", "GA709");
    static final YAMLMapper YAML = new YAMLMapper();

    static Path in;
    static Path out;

    @BeforeAll
    static void convert() throws Exception {
        String missing = KubeCluster.missingPrerequisites();
        assertEquals(null, missing, "run scripts/provision-kube.sh first");
        in = Files.createTempDirectory("conversion-in");
        out = Files.createTempDirectory("conversion-out");
        try (Stream<Path> files = Files.list(ISTIO_TESTDATA)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                Files.copy(f, in.resolve("istio-" + f.getFileName()));
            }
        }
        String clean = Files.readString(EXAMPLES.resolve("10-myapp.yaml"));
        Files.writeString(in.resolve("gatewarden-10-myapp.yaml"), clean);
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            for (Path f : files.filter(f -> f.getFileName().toString().contains("-broken-")).toList()) {
                Files.writeString(in.resolve("gatewarden-" + f.getFileName()), clean + "\n---\n" + Files.readString(f));
            }
        }
        long start = System.nanoTime();
        IstioConversion.convert(IstioConversion.build(), in, out);
        System.out.printf("[IstioConversionIT] Istio's conversion over %d inputs (build included): %d ms%n",
                count(in), (System.nanoTime() - start) / 1_000_000);
    }

    static long count(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.count();
        }
    }

    static List<String> inputs() throws IOException {
        try (Stream<Path> files = Files.list(in)) {
            return files.map(p -> p.getFileName().toString().replaceFirst("\\.yaml$", "")).sorted().toList();
        }
    }

    @Test
    void theHarnessReproducesIstiosStatusGoldens() throws Exception {
        int compared = 0;
        for (String name : inputs()) {
            Path golden = ISTIO_TESTDATA.resolve(name.replaceFirst("^istio-", "") + ".status.yaml.golden");
            if (name.startsWith("istio-") && Files.exists(golden)) {
                assertEquals(Files.readString(golden), Files.readString(out.resolve(name + ".status.yaml")), name);
                compared++;
            }
        }
        System.out.printf("[IstioConversionIT] %d of Istio's status goldens reproduced%n", compared);
        assertTrue(compared > 50, compared + " goldens compared");
    }

    @Test
    void gatewardenAgreesWithIstiosConditionsExceptWhereListed() throws Exception {
        Engine engine = new Engine(RuleSettings.defaults().withProvisioning(false));
        TreeSet<String> disagreements = new TreeSet<>();
        int agreements = 0;
        int objects = 0;
        for (String name : inputs()) {
            Map<String, Set<String>> istio = istioReasons(out.resolve(name + ".status.yaml"));
            Map<String, Set<String>> ours = gatewardenCodes(name, engine);
            Set<String> keys = new TreeSet<>(istio.keySet());
            keys.addAll(ours.keySet());
            objects += keys.size();
            for (String key : keys) {
                Set<String> codes = ours.getOrDefault(key, Set.of());
                Set<String> explained = new TreeSet<>();
                for (String reason : istio.getOrDefault(key, Set.of())) {
                    Set<String> standFor = REASONS.get(family(key) + ":" + reason);
                    if (codes.stream().anyMatch(standFor::contains)) {
                        agreements++;
                        explained.addAll(standFor);
                    } else {
                        disagreements.add(name + " " + key + " istio:" + reason);
                    }
                }
                for (String code : codes) {
                    if (!explained.contains(code)) {
                        disagreements.add(name + " " + key + " gatewarden:" + code);
                    }
                }
            }
        }
        TreeSet<String> listed = new TreeSet<>();
        for (String line : Files.readAllLines(DISAGREEMENTS)) {
            String entry = line.replaceFirst("\\s*#.*$", "").strip();
            if (!entry.isEmpty()) {
                assertTrue(line.contains("# "), "a listed disagreement needs its reason after '# ': " + line);
                listed.add(entry);
            }
        }
        System.out.printf("[IstioConversionIT] %d inputs, %d Gateway API objects with a finding or condition, "
                + "%d agreements, %d disagreements (listed and reasoned)%n", inputs().size(), objects, agreements,
                disagreements.size());
        assertEquals(String.join("\n", listed), String.join("\n", disagreements),
                "disagreements with Istio's conversion changed: update " + DISAGREEMENTS + " with the reasons");
    }

    static String family(String key) {
        return key.startsWith("Gateway/") ? "Gateway" : "Route";
    }

    /** Per {@code Kind/ns/name}: the reasons of False conditions on listeners and route parents that {@link #REASONS} maps. */
    static Map<String, Set<String>> istioReasons(Path status) throws IOException {
        Map<String, Set<String>> out = new TreeMap<>();
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(status.toFile())) {
            for (JsonNode doc : docs.readAll()) {
                if (!doc.path("apiVersion").asText().startsWith(GROUP + "/")) {
                    continue;
                }
                String key = doc.path("kind").asText() + "/" + doc.at("/metadata/namespace").asText() + "/"
                        + doc.at("/metadata/name").asText();
                List<JsonNode> conditions = new ArrayList<>();
                doc.at("/status/listeners").forEach(l -> l.path("conditions").forEach(conditions::add));
                doc.at("/status/parents").forEach(p -> p.path("conditions").forEach(conditions::add));
                for (JsonNode c : conditions) {
                    String reason = c.path("reason").asText();
                    if (c.path("status").asText().equals("False")
                            && REASONS.containsKey(family(key) + ":" + reason)) {
                        out.computeIfAbsent(key, k -> new TreeSet<>()).add(reason);
                    }
                }
            }
        }
        return out;
    }

    /** Per {@code Kind/ns/name}: Gatewarden's error and warning codes among {@link #CODES} on Gateway API objects. */
    static Map<String, Set<String>> gatewardenCodes(String name, Engine engine) throws Exception {
        ManifestReader reader = new ManifestReader("default");
        List<Resource> resources = new ArrayList<>(reader.read(Files.readString(in.resolve(name + ".yaml")), name));
        resources.addAll(reader.read(Files.readString(out.resolve(name + ".cluster.yaml")), name + " (cluster)"));
        Map<String, Set<String>> out = new TreeMap<>();
        for (Diagnostic d : Analysis.of(resources, engine).diagnostics()) {
            if (d.object().group().equals(GROUP) && d.severity() != Severity.INFO && CODES.contains(d.code().name())) {
                out.computeIfAbsent(d.kind() + "/" + d.namespace() + "/" + d.name(), k -> new TreeSet<>())
                        .add(d.code().name());
            }
        }
        return out;
    }
}
