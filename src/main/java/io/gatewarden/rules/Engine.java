package io.gatewarden.rules;

import io.gatewarden.facts.RuleSettings;
import io.gatewarden.facts.Facts;
import io.gatewarden.cluster.ClusterView;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Runs every rule that applies to a resource: the one engine behind admission and analyze. */
public final class Engine {
    /** Stable output order: by resource, then field, then code. */
    public static final Comparator<Diagnostic> ORDER = Comparator.comparing(Diagnostic::kind)
            .thenComparing(Diagnostic::namespace).thenComparing(Diagnostic::name)
            .thenComparing(Diagnostic::field, Engine::compareFields).thenComparing(Diagnostic::code);

    private final RuleSettings settings;
    private final Map<Kind, List<Rule>> rulesByKind = new EnumMap<>(Kind.class);

    public Engine(RuleSettings settings, List<Rule> rules) {
        this.settings = settings;
        for (Rule r : rules) {
            rulesByKind.computeIfAbsent(r.kind(), k -> new ArrayList<>()).add(r);
        }
    }

    public Engine(RuleSettings settings) {
        this(settings, Rules.all());
    }

    public RuleSettings settings() {
        return settings;
    }

    public Facts facts(ClusterView view) {
        return new Facts(view, settings);
    }

    /** Findings for one resource, judged against the view (which should already contain it). */
    public List<Diagnostic> check(Resource resource, Facts facts) {
        Kind kind = Kind.of(resource);
        List<Diagnostic> out = new ArrayList<>();
        for (Rule rule : rulesByKind.getOrDefault(kind, List.of())) {
            rule.check(resource, facts, out);
        }
        out.sort(ORDER);
        return out;
    }

    /** Findings for every resource of a checked kind in the view. */
    public List<Diagnostic> checkAll(Facts facts) {
        List<Diagnostic> out = new ArrayList<>();
        for (Kind kind : rulesByKind.keySet()) {
            for (Resource r : facts.view().resources(kind)) {
                for (Rule rule : rulesByKind.get(kind)) {
                    rule.check(r, facts, out);
                }
            }
        }
        out.sort(ORDER);
        return out;
    }

    /** Orders field paths so that servers[2] sorts before servers[10]. */
    static int compareFields(String a, String b) {
        return pad(a).compareTo(pad(b));
    }

    private static final java.util.regex.Pattern INDEX = java.util.regex.Pattern.compile("\\[(\\d+)]");

    private static String pad(String field) {
        StringBuilder sb = new StringBuilder();
        java.util.regex.Matcher m = INDEX.matcher(field);
        int last = 0;
        while (m.find()) {
            sb.append(field, last, m.start()).append('[').append("0".repeat(Math.max(0, 8 - m.group(1).length())))
                    .append(m.group(1)).append(']');
            last = m.end();
        }
        return sb.append(field.substring(last)).toString();
    }
}
