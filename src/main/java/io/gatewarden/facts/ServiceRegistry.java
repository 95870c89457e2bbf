package io.gatewarden.facts;

import io.gatewarden.cluster.Derivation;
import io.gatewarden.cluster.ServiceInfo;
import io.gatewarden.model.HostSet;
import io.gatewarden.model.Kind;
import io.gatewarden.model.NamespacedName;
import io.gatewarden.model.ServiceEntry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The hosts a route can send to, indexed once per stored state: Kubernetes Services (by
 * namespace/name, by name, by namespace) and ServiceEntry hosts (as Istio host patterns, and by host
 * and port with the protocols declared for them). Every rule that looks a destination or a declared
 * external host up asks here. Visibility ({@code exportTo}) is not applied yet: every entry is
 * visible from every namespace.
 */
public final class ServiceRegistry {
    /** The Services alone, for what must not change when a ServiceEntry does. */
    public static final Derivation<Services> SERVICES = Derivation.of("services", Set.of(Kind.SERVICE),
            source -> new Services(source.view().services()));
    public static final Derivation<ServiceRegistry> DERIVATION = Derivation.of("service registry",
            Set.of(Kind.SERVICE, Kind.SERVICE_ENTRY), source -> new ServiceRegistry(source.get(SERVICES),
                    source.get(Parsed.SERVICE_ENTRIES.stored()).list()));

    /** Kubernetes Services by namespace/name, by name and by namespace. */
    public static final class Services {
        private final Set<String> services = new HashSet<>();
        private final Map<String, Set<String>> namespacesByName = new HashMap<>();
        private final Map<String, List<ServiceInfo>> byNamespace = new HashMap<>();

        private Services(List<ServiceInfo> all) {
            for (ServiceInfo s : all) {
                if (s == null || s.namespace() == null || s.name() == null) {
                    continue;
                }
                services.add(s.namespace() + "/" + s.name());
                namespacesByName.computeIfAbsent(s.name(), k -> new HashSet<>()).add(s.namespace());
                byNamespace.computeIfAbsent(s.namespace(), k -> new ArrayList<>()).add(s);
            }
        }

        public boolean exists(NamespacedName service) {
            return services.contains(service.namespace() + "/" + service.name());
        }

        /** Namespaces holding a Service of that name. */
        public Set<String> namespacesOf(String name) {
            return namespacesByName.getOrDefault(name, Set.of());
        }

        /** The Services of one namespace. */
        public List<ServiceInfo> in(String namespace) {
            return byNamespace.getOrDefault(namespace, List.of());
        }
    }

    /** A host and port as one stored ServiceEntry declares it. */
    public record Declared(String ref, String path, String protocol) {
    }

    private final Services services;
    private final HostSet serviceEntryHosts;
    private final Set<String> serviceEntryHostNames = new HashSet<>();
    /** host:port → protocol → the first two distinct entries declaring it (by namespace/name). */
    private final Map<String, Map<String, List<Declared>>> byHostPort = new HashMap<>();

    private ServiceRegistry(Services services, List<ServiceEntry> entries) {
        this.services = services;
        List<String> hosts = new ArrayList<>();
        List<ServiceEntry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing((ServiceEntry se) -> se.resource().namespace())
                .thenComparing(se -> se.resource().name()));
        for (ServiceEntry se : sorted) {
            for (ServiceEntry.Host h : se.hosts()) {
                if (!h.value().isEmpty()) {
                    hosts.add(h.value());
                    serviceEntryHostNames.add(h.normalized());
                }
            }
            indexPorts(se);
        }
        serviceEntryHosts = new HostSet(hosts);
    }

    private void indexPorts(ServiceEntry se) {
        String ref = se.resource().namespace() + "/" + se.resource().name();
        for (ServiceEntry.Port p : se.ports()) {
            if (p.number() == null) {
                continue;
            }
            for (ServiceEntry.Host h : se.hosts()) {
                List<Declared> list = byHostPort.computeIfAbsent(h.normalized() + ":" + p.number(),
                        k -> new LinkedHashMap<>()).computeIfAbsent(p.protocolUpper(), k -> new ArrayList<>(2));
                if (list.size() < 2 && (list.isEmpty() || !list.get(list.size() - 1).ref().equals(ref))) {
                    list.add(new Declared(ref, p.path(), p.protocolUpper()));
                }
            }
        }
    }

    public Services services() {
        return services;
    }

    /** ServiceEntry hosts as patterns: does one of them cover a host (Istio wildcard semantics)? */
    public HostSet serviceEntryHosts() {
        return serviceEntryHosts;
    }

    /** Whether a ServiceEntry declares exactly this (normalised) host name. */
    public boolean declaresHostName(String normalizedHost) {
        return serviceEntryHostNames.contains(normalizedHost);
    }

    public boolean hasServiceEntryPorts() {
        return !byHostPort.isEmpty();
    }

    /** A declaration by another ServiceEntry than {@code self} (namespace/name) of this host and port with another protocol. */
    public Declared otherProtocol(String host, int port, String protocol, String self) {
        Map<String, List<Declared>> protocols = byHostPort.get(host + ":" + port);
        if (protocols == null) {
            return null;
        }
        for (Map.Entry<String, List<Declared>> e : protocols.entrySet()) {
            if (e.getKey().equals(protocol)) {
                continue;
            }
            for (Declared d : e.getValue()) {
                if (!d.ref().equals(self)) {
                    return d;
                }
            }
        }
        return null;
    }
}
