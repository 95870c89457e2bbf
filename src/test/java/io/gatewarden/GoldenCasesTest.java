package io.gatewarden;

import io.gatewarden.cli.Analysis;
import io.gatewarden.demands.PlanEntry;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.rules.Engine;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The golden corpus, as Istio tests its analyzers: each folder under {@code cases/} holds
 * manifests and {@code expected.txt}, the exact findings and plan {@code analyze} must give.
 * {@code -Dcases=gw3} runs only the folders whose name contains "gw3".
 */
class GoldenCasesTest {
    static final Path CASES = GoldenCorpus.CASES;

    static Stream<String> cases() throws IOException {
        return GoldenCorpus.names(System.getProperty("cases", "")).stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void caseMatchesExpectedFindings(String name) throws Exception {
        Path dir = CASES.resolve(name);
        Path expectedFile = dir.resolve("expected.txt");
        assertTrue(Files.exists(expectedFile), name + " has no expected.txt");
        Analysis analysis = analyze(dir);

        List<String> expected = new ArrayList<>();
        List<String[]> messageChecks = new ArrayList<>();
        for (String line : Files.readAllLines(expectedFile)) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int tilde = line.indexOf(" ~ ");
            String key = tilde < 0 ? line : line.substring(0, tilde).strip();
            expected.add(key);
            if (tilde >= 0) {
                messageChecks.add(new String[] {key, line.substring(tilde + 3).strip()});
            }
        }
        List<String> actual = new ArrayList<>();
        for (Diagnostic d : analysis.diagnostics()) {
            actual.add(key(d));
        }
        for (PlanEntry p : analysis.plan()) {
            actual.add("PLAN " + p.action() + " " + p.namespace() + "/" + p.name() + " " + String.join(",", p.dnsNames()));
        }
        expected.sort(null);
        actual.sort(null);
        assertEquals(String.join("\n", expected), String.join("\n", actual),
                name + ": findings differ; full output:\n" + analysis.toText());
        for (String[] check : messageChecks) {
            boolean found = analysis.diagnostics().stream()
                    .anyMatch(d -> key(d).equals(check[0]) && d.message().contains(check[1]));
            assertTrue(found, name + ": no message for " + check[0] + " contains \"" + check[1] + "\"; output:\n"
                    + analysis.toText());
        }
        for (Diagnostic d : analysis.diagnostics()) {
            assertFalse(d.message().contains("BEGIN"), "messages must never carry PEM material: " + d.message());
        }
    }

    private static final Pattern PROMISE = Pattern.compile(
            "^secret ([a-z0-9.-]+)/([a-z0-9.-]+) .*Gatewarden manages this secret and will re-issue it");

    /**
     * A finding that tells the user Gatewarden will re-issue a secret is a promise: the plan (what the
     * certificate manager does, from the same renewal chain) must renew that very secret.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyPromiseToReissueIsInThePlan(String name) throws Exception {
        Analysis analysis = analyze(CASES.resolve(name));
        for (Diagnostic d : analysis.diagnostics()) {
            Matcher m = PROMISE.matcher(d.message());
            if (d.message().contains("will re-issue")) {
                assertTrue(m.find(), name + ": a promise that names no secret: " + d.toLine());
                String secret = m.group(1) + "/" + m.group(2);
                assertTrue(analysis.plan().stream().anyMatch(p -> p.action().equals("renew-secret")
                        && (p.namespace() + "/" + p.name()).equals(secret)),
                        name + ": " + d.toLine() + "\npromises a re-issue the plan does not make:\n" + analysis.toText());
            }
        }
    }

    static String key(Diagnostic d) {
        return d.severity().name() + " " + d.code() + " " + d.resourceRef() + " " + d.field();
    }

    /** Runs analyze on a case folder the way the CLI does, with the case's args.txt. */
    static Analysis analyze(Path dir) throws Exception {
        GoldenCorpus.Case c = GoldenCorpus.read(dir);
        if (c.resources().isEmpty()) {
            fail(dir + " has no manifests");
        }
        return Analysis.of(c.resources(), new Engine(c.options().settings()));
    }
}
