package io.gatewarden.rules;

import io.gatewarden.cluster.ClusterView;
import io.gatewarden.cluster.SecretData;
import io.gatewarden.cluster.Workload;
import io.gatewarden.model.DestinationRule;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The derived facts of one evaluation (one admission review or one analyze run), each computed
 * once and shared by every rule: parsed Gateways, which workloads a selector matches, and
 * where a Gateway's credentials must live. Not thread-safe: one instance per evaluation.
 */
public final class Facts {
    private final ClusterView view;
    private final RuleSettings settings;
    private final Map<Resource, IstioGateway> parsed = new IdentityHashMap<>();
    private final Map<Map<String, String>, List<Workload>> selected = new HashMap<>();
    private final Map<String, Object> memo = new HashMap<>();
    /** When this evaluation began: a live read confirming a missing Secret may be shared from then on. */
    private final long begun = System.nanoTime();
    private List<IstioGateway> allGateways;

    public Facts(ClusterView view, RuleSettings settings) {
        this.view = view;
        this.settings = settings;
    }

    public ClusterView view() {
        return view;
    }

    public RuleSettings settings() {
        return settings;
    }

    /** A Gateway parsed; stored ones are parsed once per cluster state, not once per review. */
    public IstioGateway gateway(Resource r) {
        IstioGateway stored = storedParsed().get(r);
        return stored != null ? stored : parsed.computeIfAbsent(r, IstioGateway::parse);
    }

    /** Every Istio Gateway the view holds (including one under review), parsed. */
    public List<IstioGateway> gateways() {
        if (allGateways == null) {
            allGateways = view.resources(Kind.ISTIO_GATEWAY).stream().map(this::gateway).toList();
        }
        return allGateways;
    }

    /** Every DestinationRule the view holds (including one under review), parsed. */
    public List<DestinationRule> destinationRules() {
        return memo("Facts.destinationRules",
                k -> view.resources(Kind.DESTINATION_RULE).stream().map(this::destinationRule).toList());
    }

    /** A DestinationRule parsed once per evaluation; stored ones once per cluster state. */
    public DestinationRule destinationRule(Resource r) {
        Map<Resource, DestinationRule> stored = shared("Facts.storedDestinationRules", () -> {
            Map<Resource, DestinationRule> m = new IdentityHashMap<>();
            for (Resource s : view.stored().resources(Kind.DESTINATION_RULE)) {
                m.put(s, DestinationRule.parse(s));
            }
            return java.util.Collections.unmodifiableMap(m);
        });
        DestinationRule parsed = stored.get(r);
        return parsed != null ? parsed : memo("DestinationRule:" + r.ref(), k -> DestinationRule.parse(r));
    }

    /** The stored Gateways only, parsed: what indexes shared across reviews are built from. */
    public List<IstioGateway> storedGateways() {
        return shared("Facts.storedGateways", () -> List.copyOf(storedParsed().values()));
    }

    private Map<Resource, IstioGateway> storedParsed() {
        return shared("Facts.storedParsed", () -> {
            Map<Resource, IstioGateway> m = new IdentityHashMap<>();
            for (Resource r : view.stored().resources(Kind.ISTIO_GATEWAY)) {
                m.put(r, IstioGateway.parse(r));
            }
            return java.util.Collections.unmodifiableMap(m);
        });
    }

    /** Workloads whose labels match the selector, in any namespace (Istio's default gateway scope). */
    public List<Workload> workloads(Map<String, String> selector) {
        return selected.computeIfAbsent(selector, s -> matching(view, s));
    }

    /** Selector matches over the stored workloads, shared by every evaluation of one cluster state. */
    public static List<Workload> matching(ClusterView view, Map<String, String> selector) {
        return view.derived().get("Facts.workloads:" + selector, () -> {
            List<Workload> out = new ArrayList<>();
            if (!selector.isEmpty()) {
                for (Workload w : view.stored().workloads()) {
                    if (w.matches(selector)) {
                        out.add(w);
                    }
                }
            }
            return List.copyOf(out);
        });
    }

    /**
     * A value derived from the stored cluster state only (never from the object under review or
     * the time), reused by every evaluation until the state changes.
     */
    public <T> T shared(String key, java.util.function.Supplier<T> compute) {
        return view.derived().get(key, compute);
    }

    /**
     * Namespaces where a Gateway's proxies run, sorted: there, and only there, Istio reads its
     * credentials. Empty when the selector matches nothing.
     */
    public List<String> workloadNamespaces(IstioGateway gw) {
        TreeSet<String> ns = new TreeSet<>();
        for (Workload w : workloads(gw.selector())) {
            ns.add(w.namespace());
        }
        return List.copyOf(ns);
    }

    /** Where the credentials must resolve: the workload namespaces, or the fallback when none is known. */
    public List<String> credentialNamespaces(IstioGateway gw) {
        List<String> ns = workloadNamespaces(gw);
        return ns.isEmpty() ? List.of(settings.fallbackNamespace()) : ns;
    }

    /**
     * Asked once per secret and evaluation. A miss is confirmed by the view's live read (see
     * InformerClusterView), shared by every miss of this evaluation in that namespace.
     */
    public Optional<SecretData> secret(String namespace, String name) {
        return memo("secret:" + namespace + "/" + name, k -> view.secret(namespace, name, begun));
    }

    /** Namespaces holding a Secret of that name; asked once per name and evaluation. */
    public List<String> namespacesWithSecret(String name) {
        return memo("secret-namespaces:" + name, k -> view.namespacesWithSecret(name));
    }

    /** A memo for derived values that rules share (for example an inspected secret). */
    @SuppressWarnings("unchecked")
    public <T> T memo(String key, Function<String, T> compute) {
        return (T) memo.computeIfAbsent(key, compute);
    }
}
