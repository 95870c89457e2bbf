package io.gatewarden.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A directory of examples as {@code analyze} reads them: the complete scenario is judged clean and
 * plans its secret, and each broken variant ({@code *-broken-*}), added to it, produces exactly the codes
 * its {@code # expect:} line names and nothing else.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ExampleScenarioTest {
    private final Path dir;
    private final List<String> clean;
    private final String plan;

    /** The examples directory, the files of its complete (clean) scenario, and a line of that scenario's plan. */
    ExampleScenarioTest(String dir, List<String> clean, String plan) {
        this.dir = Path.of(dir);
        this.clean = clean;
        this.plan = plan;
    }

    Path dir() {
        return dir;
    }

    @Test
    void completeScenarioIsCleanAndPlansItsSecret() {
        AnalyzeCommandTest.Run r = analyze(List.of());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertEquals(Set.of(), codes(r.out(), "ERROR", "WARNING"), r.out());
        assertTrue(r.out().contains(plan), r.out());
    }

    Stream<String> broken() throws IOException {
        try (Stream<Path> files = Files.list(dir())) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.contains("-broken-")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("broken")
    void brokenVariantShowsItsCodes(String file) throws IOException {
        String expectLine = Files.readAllLines(dir().resolve(file)).get(0);
        assertTrue(expectLine.startsWith("# expect: "), file + " must start with '# expect: CODE...'");
        Set<String> expected = new TreeSet<>(Arrays.asList(expectLine.substring("# expect: ".length()).trim().split("\\s+")));
        AnalyzeCommandTest.Run r = analyze(List.of(file));
        assertEquals(expected, codes(r.out(), "ERROR", "WARNING"), r.out());
    }

    AnalyzeCommandTest.Run analyze(List<String> extra) {
        List<String> args = Stream.concat(clean.stream(), extra.stream())
                .flatMap(f -> Stream.of("-f", dir().resolve(f).toString())).toList();
        return AnalyzeCommandTest.run(args.toArray(String[]::new));
    }

    static Set<String> codes(String out, String... severities) {
        Set<String> wanted = Set.of(severities);
        return out.lines().map(l -> l.split(" ", 3)).filter(p -> p.length == 3 && wanted.contains(p[0]))
                .map(p -> p[1]).collect(Collectors.toCollection(TreeSet::new));
    }
}
