package io.gatewarden.facts;

import io.gatewarden.cluster.Derivation;
import io.gatewarden.cluster.ServiceInfo;
import io.gatewarden.cluster.Workload;
import io.gatewarden.model.Kind;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which Services select the workloads a selector picks: how a gateway's ports are exposed (GW403)
 * and which Services lead to a gateway (egress routing, EG611). Computed per selector on first use.
 */
public final class Exposure {
    public static final Derivation<Exposure> DERIVATION = Derivation.of("service exposure",
            Derivation.kinds(Kind.WORKLOADS, Kind.SERVICE), source -> new Exposure(
                    source.get(WorkloadSelection.DERIVATION), source.get(ServiceRegistry.SERVICES)));

    private final WorkloadSelection selection;
    private final ServiceRegistry.Services services;
    private final Map<Map<String, String>, List<ServiceInfo>> bySelector = new ConcurrentHashMap<>();

    private Exposure(WorkloadSelection selection, ServiceRegistry.Services services) {
        this.selection = selection;
        this.services = services;
    }

    /** The Services (sorted by namespace/name) selecting any workload the selector picks. */
    public List<ServiceInfo> servicesFor(Map<String, String> selector) {
        return bySelector.computeIfAbsent(selector, s -> {
            List<ServiceInfo> out = new ArrayList<>();
            List<Workload> workloads = selection.select(s).workloads();
            for (String ns : selection.select(s).namespaces()) {
                for (ServiceInfo svc : services.in(ns)) {
                    for (Workload w : workloads) {
                        if (svc.selects(w)) {
                            out.add(svc);
                            break;
                        }
                    }
                }
            }
            out.sort(Comparator.comparing(ServiceInfo::namespace).thenComparing(ServiceInfo::name));
            return List.copyOf(out);
        });
    }
}
