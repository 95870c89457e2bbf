package io.gatewarden;

import io.gatewarden.cli.AnalyzeOptions;
import io.gatewarden.cluster.ClusterView;
import io.gatewarden.cluster.DerivedCache;
import io.gatewarden.cluster.SecretAccess;
import io.gatewarden.cluster.SecretData;
import io.gatewarden.cluster.ServiceInfo;
import io.gatewarden.cluster.StaticClusterView;
import io.gatewarden.cluster.Workload;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.facts.Facts;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.rules.Rule;
import io.gatewarden.rules.Rules;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What each rule family declares ({@link Rule#codes()}, {@link Rule#reads()}) against what it does,
 * run alone over every golden case with a view that records what is read (as Istio's analyzer tests
 * hold analyzers to their declared inputs), and the codes of the spec against the families.
 */
class RuleFamiliesTest {

    /**
     * Codes of {@code shared/spec/diagnostics.md} that no rule family reports yet, each with the issue
     * that adds it. The MUT9xx codes are the mutating webhook's, not a rule family's.
     */
    static final Map<Code, String> NOT_YET_A_FAMILY = notYet();

    private static Map<Code, String> notYet() {
        Map<Code, String> m = new EnumMap<>(Code.class);
        for (Code c : List.<Code>of()) {
            m.put(c, "failures users report most (issue 16)");
        }
        return m;
    }

    @Test
    void everyFamilyReadsAndReportsOnlyWhatItDeclaresAndUsesAllOfIt() throws Exception {
        Map<String, Set<Kind>> read = new HashMap<>();
        Map<String, Set<Code>> reported = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (GoldenCorpus.Case c : GoldenCorpus.all()) {
            String name = c.name();
            AnalyzeOptions options = c.options();
            List<Resource> resources = c.resources();
            for (Rule rule : Rules.all()) {
                Recording view = new Recording(new StaticClusterView(resources));
                Facts facts = new Facts(view, options.settings());
                List<Diagnostic> out = new ArrayList<>();
                for (Resource r : view.delegate.resources(rule.kind())) {
                    rule.check(r, facts, out);
                }
                Set<Kind> allowed = EnumSet.of(rule.kind());
                allowed.addAll(rule.reads());
                for (Kind k : view.read) {
                    if (!allowed.contains(k)) {
                        problems.add(name + ": " + rule.name() + " reads " + k + ", not declared in reads()");
                    }
                }
                for (Diagnostic d : out) {
                    if (!rule.codes().contains(d.code())) {
                        problems.add(name + ": " + rule.name() + " reported " + d.code() + ", not declared in codes()");
                    }
                }
                read.computeIfAbsent(rule.name(), k -> EnumSet.noneOf(Kind.class)).addAll(view.read);
                out.forEach(d -> reported.computeIfAbsent(rule.name(), k -> EnumSet.noneOf(Code.class)).add(d.code()));
            }
        }
        for (Rule rule : Rules.all()) {
            for (Kind k : rule.reads()) {
                if (!read.getOrDefault(rule.name(), Set.of()).contains(k)) {
                    problems.add(rule.name() + " declares it reads " + k + ", but no golden case makes it read it");
                }
            }
            for (Code c : rule.codes()) {
                if (!reported.getOrDefault(rule.name(), Set.of()).contains(c)) {
                    problems.add(rule.name() + " declares " + c + ", but no golden case makes it report it");
                }
            }
        }
        assertEquals(List.of(), problems, String.join("\n", problems));
    }

    @Test
    void everyCodeOfTheSpecHasAFamilyOrANamedIssue() {
        Set<String> missing = new TreeSet<>();
        Map<Code, String> owner = new EnumMap<>(Code.class);
        for (Rule rule : Rules.all()) {
            for (Code c : rule.codes()) {
                owner.put(c, rule.name());
            }
        }
        for (Code c : Code.values()) {
            boolean mutation = c.name().startsWith("MUT");
            if (!mutation && !owner.containsKey(c) && !NOT_YET_A_FAMILY.containsKey(c)) {
                missing.add(c + " has no rule family");
            }
            if (owner.containsKey(c) && NOT_YET_A_FAMILY.containsKey(c)) {
                missing.add(c + " has family " + owner.get(c) + ": remove it from NOT_YET_A_FAMILY");
            }
        }
        assertEquals(Set.of(), missing);
    }

    /** A view that records which kinds are read, its derivations included (they read through it). */
    private static final class Recording implements ClusterView {
        final StaticClusterView delegate;
        final Set<Kind> read = EnumSet.noneOf(Kind.class);
        private final DerivedCache derived = new DerivedCache(this);

        Recording(StaticClusterView delegate) {
            this.delegate = delegate;
        }

        @Override
        public List<Resource> resources(Kind kind) {
            read.add(kind);
            return delegate.resources(kind);
        }

        @Override
        public List<Workload> workloads() {
            read.addAll(Kind.WORKLOADS);
            return delegate.workloads();
        }

        @Override
        public List<ServiceInfo> services() {
            read.add(Kind.SERVICE);
            return delegate.services();
        }

        @Override
        public Optional<SecretData> secret(String namespace, String name) {
            read.add(Kind.SECRET);
            return delegate.secret(namespace, name);
        }

        @Override
        public List<String> namespacesWithSecret(String name) {
            read.add(Kind.SECRET);
            return delegate.namespacesWithSecret(name);
        }

        @Override
        public SecretAccess secretAccess(String namespace, String serviceAccount) {
            read.addAll(Kind.RBAC);
            return delegate.secretAccess(namespace, serviceAccount);
        }

        @Override
        public DerivedCache derived() {
            return derived;
        }
    }
}
