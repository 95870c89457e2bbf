package io.gatewarden.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatewarden.GoldenCorpus;
import io.gatewarden.cli.Analysis;
import io.gatewarden.cli.ManifestReader;
import io.gatewarden.cluster.StaticClusterView;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.diagnostics.Severity;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.rules.Engine;
import io.gatewarden.facts.RuleSettings;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kube-apiserver cuts every admission warning after 256 characters, so every line Gatewarden sends
 * must fit with its fix: checked over the whole golden corpus (what /validate would answer for each
 * object), and for the cut itself.
 */
class WarningLineTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The text after the last clause separator ("; " or ": "): in Gatewarden's messages, (the end of) the fix. */
    static String lastClause(String text) {
        int at = Math.max(text.lastIndexOf("; "), text.lastIndexOf(": "));
        return text.substring(at + 2);
    }

    /**
     * Every warning and info of the corpus: the line fits, ends with the message's own fix, and is the
     * message itself or the short form its rule wrote (never the blind fallback cut).
     */
    @Test
    void everyCorpusWarningFitsWithItsFixInTheRulesOwnWords() throws Exception {
        List<String> problems = new ArrayList<>();
        int lines = 0;
        int shortened = 0;
        for (GoldenCorpus.Case c : GoldenCorpus.all()) {
            for (Diagnostic d : Analysis.of(c.resources(), new Engine(c.options().settings())).diagnostics()) {
                if (d.severity() == Severity.ERROR) {
                    continue;
                }
                lines++;
                String line = WarningLine.of(d);
                boolean whole = line.endsWith(": " + d.message());
                shortened += whole ? 0 : 1;
                if (line.length() > WarningLine.MAX) {
                    problems.add(c.name() + ": " + line.length() + " characters: " + line);
                } else if (!line.endsWith(lastClause(d.message()))) {
                    problems.add(c.name() + ": the fix \"" + lastClause(d.message()) + "\" is lost: " + line);
                } else if (!whole && (d.brief() == null || !line.endsWith(": " + d.brief()))) {
                    problems.add(c.name() + ": cut without a short form from the rule: " + line);
                }
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(lines > 50 && shortened >= 30, lines + " warning lines, " + shortened + " in their short form");
    }

    /** What /validate answers for every Istio object of the corpus: each warning line fits. */
    @Test
    void everyValidateAnswerOverTheCorpusFits() throws Exception {
        int warnings = 0;
        for (GoldenCorpus.Case c : GoldenCorpus.all()) {
            Validator validator = new Validator(new Engine(c.options().settings()), 20);
            StaticClusterView view = new StaticClusterView(c.resources());
            for (Resource r : c.resources()) {
                if (!Validator.VALIDATED.contains(Kind.of(r))) {
                    continue;
                }
                ReviewRequest request = new ReviewRequest("u", Kind.of(r).group(), "v1", r.kind(), "CREATE",
                        r.namespace(), r.body(), false);
                for (JsonNode w : validator.validate(request, view, JSON).review().path("response").path("warnings")) {
                    warnings++;
                    assertTrue(w.asText().length() <= WarningLine.MAX, c.name() + ": " + w.asText());
                }
            }
        }
        assertTrue(warnings > 50, warnings + " warnings");
    }

    @Test
    void aLineThatFitsIsUnchanged() {
        assertEquals("[GW1] f: short; fix it", WarningLine.fit("[GW1] f: ", "short; fix it"));
        String exact = "x".repeat(WarningLine.MAX - 9);
        assertEquals("[GW1] f: " + exact, WarningLine.fit("[GW1] f: ", exact));
    }

    @Test
    void theFallbackCutDropsTheMiddleAndKeepsTheFix() {
        String text = "secret " + "a".repeat(300) + " is broken, for reasons: " + "b".repeat(100)
                + "; recreate it with kubectl create secret tls";
        String line = WarningLine.fit("[GW999] spec.x: ", text);
        assertEquals(WarningLine.MAX, line.length(), line);
        assertTrue(line.startsWith("[GW999] spec.x: secret aaaa"), line);
        // The longest tail that fits starts at a separator: here the one before the b's.
        assertTrue(line.endsWith("… " + "b".repeat(100) + "; recreate it with kubectl create secret tls"), line);
    }

    @Test
    void whenNoClauseFitsTheCutSaysSo() {
        String line = WarningLine.fit("[GW999] spec.x: ", "word ".repeat(100));
        assertTrue(line.length() <= WarningLine.MAX, line);
        assertTrue(line.endsWith(WarningLine.CUT), line);
    }

    /** The rule's short form is used only when the message does not fit; it too is cut safely when names are huge. */
    @Test
    void briefsAreUsedOnlyWhenNeededAndFitEvenWithHugeNames() throws Exception {
        String host = "h" + "x".repeat(60) + "." + "y".repeat(60) + "." + "z".repeat(60) + ".example.com";
        String secret = "s".repeat(200);
        List<Resource> resources = new ManifestReader("default").read(ValidatorTest.CLUSTER + "---\n"
                + DefaulterTest.gateway("""
                        - port: {number: 8443, name: https-long, protocol: HTTPS}
                          hosts: [%s]
                          tls: {mode: SIMPLE, credentialName: %s, cipherSuites: [%s]}
                        """.formatted(host, secret, "BOGUS-" + "C".repeat(200))), "test");
        Engine engine = new Engine(RuleSettings.defaults());
        List<Diagnostic> ds = Analysis.of(resources, engine).diagnostics().stream()
                .filter(d -> d.severity() != Severity.ERROR && d.name().equals("web")).toList();
        assertTrue(ds.size() >= 2, ds.toString());
        for (Diagnostic d : ds) {
            String line = WarningLine.of(d);
            assertTrue(line.length() <= WarningLine.MAX, line);
            assertTrue(line.contains("…") || line.endsWith(d.message()), line);
        }
    }
}
