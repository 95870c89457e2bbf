package io.gatewarden.facts;

import io.gatewarden.cluster.Derivation;
import io.gatewarden.cluster.ServiceInfo;
import io.gatewarden.cluster.Workload;
import io.gatewarden.model.K8sGateway;
import io.gatewarden.model.Kind;
import io.gatewarden.model.NamespacedName;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a Gateway API Gateway's proxies run, as label selectors in a namespace: for a Gateway Istio
 * deploys itself, its pods ({@link K8sGateway#MANAGED_NAME_LABEL} in the Gateway's namespace, whether
 * deployed yet or not); for one naming Services in {@code spec.addresses}, the pods those Services
 * select. So an Istio Gateway's selector can be compared with it (GA710).
 */
public final class K8sGatewayWorkloads {
    public static final Derivation<K8sGatewayWorkloads> DERIVATION = Derivation.of("gateway api workloads",
            Derivation.kinds(Kind.WORKLOADS, Kind.SERVICE), source -> new K8sGatewayWorkloads(
                    source.get(WorkloadSelection.DERIVATION), source.get(ServiceRegistry.SERVICES)));

    /** Pods in {@code namespace} whose labels match {@code selector}. */
    public record Placement(String namespace, Map<String, String> selector) {
    }

    private final WorkloadSelection selection;
    private final ServiceRegistry.Services services;

    private K8sGatewayWorkloads(WorkloadSelection selection, ServiceRegistry.Services services) {
        this.selection = selection;
        this.services = services;
    }

    /** Empty when the Gateway names only Services that do not exist or select nothing. */
    public List<Placement> placements(K8sGateway gw) {
        if (gw.managed()) {
            return List.of(new Placement(gw.resource().namespace(), Map.of(K8sGateway.MANAGED_NAME_LABEL,
                    gw.resource().name())));
        }
        List<Placement> out = new ArrayList<>();
        for (NamespacedName service : gw.services()) {
            for (ServiceInfo s : services.in(service.namespace())) {
                if (s.name().equals(service.name()) && !s.selector().isEmpty()) {
                    out.add(new Placement(s.namespace(), s.selector()));
                }
            }
        }
        return out;
    }

    /**
     * Whether an Istio Gateway with {@code selector} runs on this Gateway's proxies: it selects one of
     * their pods, or, before they exist, selects by the same labels.
     */
    public boolean shares(K8sGateway gw, Map<String, String> selector) {
        if (selector.isEmpty()) {
            return false;
        }
        Set<String> istio = selection.select(selector).identities();
        for (Placement p : placements(gw)) {
            if (p.selector().equals(selector)) {
                return true;
            }
            for (Workload w : selection.select(p.selector()).workloads()) {
                if (w.namespace().equals(p.namespace()) && istio.contains(WorkloadSelection.identity(w))) {
                    return true;
                }
            }
        }
        return false;
    }
}
