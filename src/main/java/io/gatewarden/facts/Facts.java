package io.gatewarden.facts;

import io.gatewarden.cluster.ClusterView;
import io.gatewarden.cluster.Derivation;
import io.gatewarden.cluster.SecretAccess;
import io.gatewarden.cluster.SecretData;
import io.gatewarden.cluster.Workload;
import io.gatewarden.model.DestinationRule;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.model.K8sGateway;
import io.gatewarden.model.K8sRoute;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.model.ServiceEntry;
import io.gatewarden.model.VirtualService;
import io.gatewarden.policy.Policy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The facts of one evaluation (one admission review, one analyze run, one certificate pass): the
 * view, which may hold one object under review in place of its stored version, the settings, and
 * typed access to every derivation. Derivations over the stored state are shared across
 * evaluations ({@link #stored}); what involves the object under review, the settings or a live
 * lookup is computed here once per evaluation. Not thread-safe: one instance per evaluation.
 */
public final class Facts {
    private final ClusterView view;
    private final RuleSettings settings;
    private final Map<Parsed<?>, Map<Resource, Object>> parsedHere = new HashMap<>();
    private final Map<Parsed<?>, List<?>> all = new HashMap<>();
    private final Map<String, Optional<SecretData>> secrets = new HashMap<>();
    private final Map<String, List<String>> secretNamespaces = new HashMap<>();
    private final Map<String, SecretAccess> secretAccess = new HashMap<>();
    private Policy policy;
    /** When this evaluation began: a live read confirming a missing Secret may be shared from then on. */
    private final long begun = System.nanoTime();

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

    /** A derivation over the stored state, shared by every evaluation until a kind it reads changes. */
    public <T> T stored(Derivation<T> derivation) {
        return view.derived().get(derivation);
    }

    /** An object parsed: a stored one once per stored state, one under review once per evaluation. */
    public <T> T parsed(Parsed<T> kind, Resource r) {
        T stored = stored(kind.stored()).byResource().get(r);
        if (stored != null) {
            return stored;
        }
        @SuppressWarnings("unchecked") // values are put under their own kind only
        T here = (T) parsedHere.computeIfAbsent(kind, k -> new IdentityHashMap<>()).computeIfAbsent(r, kind::parse);
        return here;
    }

    /** Every object of the kind in the view, parsed, including one under review. */
    public <T> List<T> all(Parsed<T> kind) {
        @SuppressWarnings("unchecked") // values are put under their own kind only
        List<T> list = (List<T>) all.computeIfAbsent(kind, k -> {
            List<Resource> resources = view.resources(kind.kind());
            List<T> out = new ArrayList<>(resources.size());
            for (Resource r : resources) {
                out.add(parsed(kind, r));
            }
            return List.copyOf(out);
        });
        return list;
    }

    public IstioGateway gateway(Resource r) {
        return parsed(Parsed.GATEWAYS, r);
    }

    /** Every Istio Gateway the view holds (including one under review), parsed. */
    public List<IstioGateway> gateways() {
        return all(Parsed.GATEWAYS);
    }

    public VirtualService virtualService(Resource r) {
        return parsed(Parsed.VIRTUAL_SERVICES, r);
    }

    public ServiceEntry serviceEntry(Resource r) {
        return parsed(Parsed.SERVICE_ENTRIES, r);
    }

    public DestinationRule destinationRule(Resource r) {
        return parsed(Parsed.DESTINATION_RULES, r);
    }

    /** Every DestinationRule the view holds (including one under review), parsed. */
    public List<DestinationRule> destinationRules() {
        return all(Parsed.DESTINATION_RULES);
    }

    public K8sGateway k8sGateway(Resource r) {
        return parsed(Parsed.K8S_GATEWAYS, r);
    }

    /** Every Gateway API Gateway the view holds (including one under review), parsed. */
    public List<K8sGateway> k8sGateways() {
        return all(Parsed.K8S_GATEWAYS);
    }

    /** A Gateway API route of any kind, parsed. */
    public K8sRoute route(Resource r) {
        return parsed(Parsed.ROUTES.get(Kind.of(r)), r);
    }

    /**
     * Whether a Gateway API Gateway may read a Secret in {@code namespace}: its own namespace, or one whose
     * ReferenceGrant allows Gateways of the Gateway's namespace to that Secret.
     */
    public boolean secretPermitted(K8sGateway gw, String namespace, String secretName) {
        return namespace.equals(gw.resource().namespace()) || stored(ReferenceGrants.DERIVATION)
                .allows(Kind.K8S_GATEWAY, gw.resource().namespace(), "Secret", namespace, secretName);
    }

    /** Workloads whose labels match the selector, in any namespace (Istio's default gateway scope). */
    public List<Workload> workloads(Map<String, String> selector) {
        return stored(WorkloadSelection.DERIVATION).select(selector).workloads();
    }

    /**
     * Namespaces where a Gateway's proxies run, sorted: there, and only there, Istio reads its
     * credentials. Empty when the selector matches nothing.
     */
    public List<String> workloadNamespaces(IstioGateway gw) {
        return stored(WorkloadSelection.DERIVATION).select(gw.selector()).namespaces();
    }

    /** Where the credentials must resolve: the workload namespaces, or the fallback when none is known. */
    public List<String> credentialNamespaces(IstioGateway gw) {
        List<String> ns = workloadNamespaces(gw);
        return ns.isEmpty() ? List.of(settings.fallbackNamespace()) : ns;
    }

    /**
     * Every namespace where a credential of the view is read: the workload namespaces of every
     * Gateway (or the fallback), the namespaces Gateway API listeners read certificates from (their
     * own, or another a ReferenceGrant opens), and the namespaces of DestinationRules whose selected
     * proxies originate TLS with a credentialName. Their Secrets are the ones worth caching.
     */
    public java.util.Set<String> credentialNamespacesOfAll() {
        java.util.Set<String> namespaces = new java.util.TreeSet<>();
        namespaces.add(settings.fallbackNamespace());
        for (IstioGateway gw : gateways()) {
            namespaces.addAll(credentialNamespaces(gw));
        }
        for (K8sGateway gw : k8sGateways()) {
            for (K8sGateway.Listener l : gw.listeners()) {
                for (K8sGateway.ObjectReference ref : l.certificateRefs()) {
                    String ns = ref.namespaceOr(gw.resource().namespace());
                    if (ref.isSecret() && ref.name() != null && secretPermitted(gw, ns, ref.name())) {
                        namespaces.add(ns);
                    }
                }
            }
        }
        for (DestinationRule dr : destinationRules()) {
            if (dr.workloadSelector() != null && dr.tls().stream().anyMatch(DestinationRule.Tls::hasCredentialName)) {
                namespaces.add(dr.resource().namespace());
            }
        }
        return namespaces;
    }

    /**
     * Asked once per secret and evaluation. A miss is confirmed by the view's live read (see
     * InformerClusterView), shared by every miss of this evaluation in that namespace.
     */
    public Optional<SecretData> secret(String namespace, String name) {
        return secrets.computeIfAbsent(namespace + "/" + name, k -> view.secret(namespace, name, begun));
    }

    /** The assessment of a Secret version, made once and shared with every evaluation and the certificate manager. */
    public SecretAssessment assessment(SecretData secret) {
        return stored(SecretAssessments.DERIVATION).of(secret);
    }

    /** Namespaces holding a Secret of that name; asked once per name and evaluation. */
    public List<String> namespacesWithSecret(String name) {
        return secretNamespaces.computeIfAbsent(name, view::namespacesWithSecret);
    }

    /** Whether a ServiceAccount may list Secrets in a namespace, as istiod asks (GW314); asked once per evaluation. */
    public SecretAccess secretAccess(String namespace, String serviceAccount) {
        return secretAccess.computeIfAbsent(namespace + "/" + serviceAccount,
                k -> view.secretAccess(namespace, serviceAccount));
    }

    /** The organisation policy in force for this evaluation (every POL code, EG610), read once. */
    public Policy policy() {
        if (policy == null) {
            policy = settings.policy().policy(view);
        }
        return policy;
    }
}
