package io.gatewarden.facts;

import io.gatewarden.cluster.Derivation;
import io.gatewarden.cluster.Workload;
import io.gatewarden.model.Kind;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which workloads (Pods, workload pod templates) a label selector picks, in any namespace (Istio's
 * default gateway scope). Answers are computed per selector on first use and shared by every
 * evaluation until a workload changes; nothing else invalidates them.
 */
public final class WorkloadSelection {
    public static final Derivation<WorkloadSelection> DERIVATION =
            Derivation.of("workload selection", Kind.WORKLOADS, source -> new WorkloadSelection(source.view().workloads()));

    private final List<Workload> workloads;
    private final Map<Map<String, String>, Selected> bySelector = new ConcurrentHashMap<>();

    /** What one selector picks: the workloads, their namespaces (sorted) and their identities. */
    public record Selected(List<Workload> workloads, List<String> namespaces, Set<String> identities) {
        public boolean isEmpty() {
            return workloads.isEmpty();
        }
    }

    private WorkloadSelection(List<Workload> workloads) {
        this.workloads = workloads;
    }

    /** An empty selector picks nothing: Istio does not bind a Gateway without one to any workload here. */
    public Selected select(Map<String, String> selector) {
        return bySelector.computeIfAbsent(selector, this::compute);
    }

    private Selected compute(Map<String, String> selector) {
        List<Workload> out = new ArrayList<>();
        TreeSet<String> namespaces = new TreeSet<>();
        Set<String> identities = new HashSet<>();
        if (!selector.isEmpty()) {
            for (Workload w : workloads) {
                if (w.matches(selector)) {
                    out.add(w);
                    namespaces.add(w.namespace());
                    identities.add(w.namespace() + "/" + w.kind() + "/" + w.name());
                }
            }
        }
        return new Selected(List.copyOf(out), List.copyOf(namespaces), Set.copyOf(identities));
    }

    /**
     * Whether two selectors pick at least one common workload, or are equal and non-empty (a
     * Gateway whose workload is not deployed yet still conflicts with its twin).
     */
    public boolean overlap(Map<String, String> a, Map<String, String> b) {
        if (a.isEmpty() || b.isEmpty()) {
            return false;
        }
        if (a.equals(b)) {
            return true;
        }
        Set<String> ka = select(a).identities();
        Set<String> kb = select(b).identities();
        Set<String> small = ka.size() <= kb.size() ? ka : kb;
        Set<String> large = small == ka ? kb : ka;
        for (String k : small) {
            if (large.contains(k)) {
                return true;
            }
        }
        return false;
    }
}
