package io.gatewarden.facts;

import io.gatewarden.cluster.Derivation;
import io.gatewarden.cluster.ServiceInfo;
import io.gatewarden.model.HostSet;
import io.gatewarden.model.Hosts;
import io.gatewarden.model.Kind;
import io.gatewarden.model.NamespacedName;
import io.gatewarden.model.ServiceEntry;
import io.gatewarden.model.Visibility;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The hosts a route can send to, indexed once per stored state, with where Istio makes each visible
 * ({@link Visibility}: {@code exportTo} on ServiceEntries, the {@code networking.istio.io/exportTo}
 * annotation on Services): every Kubernetes Service under its cluster name
 * ({@code name.namespace.svc.cluster.local}), every ServiceEntry host (wildcards apart), and every
 * ServiceEntry host and port with its protocol. Every rule that looks a destination or a declared host up
 * asks here, so visibility is decided once: as Istio's analyzers key hosts, by scope and host
 * ({@code util/service_lookup.go}).
 */
public final class ServiceRegistry {
    /** The Services alone, for what must not change when a ServiceEntry does. */
    public static final Derivation<Services> SERVICES = Derivation.of("services", Set.of(Kind.SERVICE),
            source -> new Services(source.view().services()));
    public static final Derivation<ServiceRegistry> DERIVATION = Derivation.of("service registry",
            Set.of(Kind.SERVICE, Kind.SERVICE_ENTRY), source -> new ServiceRegistry(source.get(SERVICES),
                    source.get(Parsed.SERVICE_ENTRIES.stored()).list()));

    /** Kubernetes Services by namespace. */
    public static final class Services {
        private final List<ServiceInfo> all = new ArrayList<>();
        private final Set<String> names = new java.util.HashSet<>();
        private final Map<String, List<ServiceInfo>> byNamespace = new HashMap<>();

        private Services(List<ServiceInfo> services) {
            for (ServiceInfo s : services) {
                if (s == null || s.namespace() == null || s.name() == null) {
                    continue;
                }
                all.add(s);
                names.add(s.namespace() + "/" + s.name());
                byNamespace.computeIfAbsent(s.namespace(), k -> new ArrayList<>()).add(s);
            }
        }

        public boolean exists(NamespacedName service) {
            return names.contains(service.namespace() + "/" + service.name());
        }

        /** The Services of one namespace. */
        public List<ServiceInfo> in(String namespace) {
            return byNamespace.getOrDefault(namespace, List.of());
        }
    }

    /**
     * One declaration of a host: a Service under its cluster name, or one host of a ServiceEntry (a
     * wildcard keeps its {@code *}), with the port numbers declared for it.
     *
     * @param kind "Service" or "ServiceEntry"
     */
    public record Declaration(String kind, String namespace, String name, String host, Visibility visibility,
                              Set<Integer> ports) {
        /** "Service ns/name" or "ServiceEntry ns/name", for messages. */
        public String ref() {
            return kind + " " + namespace + "/" + name;
        }

        public boolean isService() {
            return kind.equals("Service");
        }
    }

    /** A host and port as one stored ServiceEntry declares it, with its protocol and visibility. */
    public record Declared(String ref, String path, String protocol, Visibility visibility) {
    }

    /**
     * What a host finds from where a route is looked up: the declarations visible there (exact ones, else the
     * wildcard ServiceEntries covering it) and those that exist but are not visible there.
     */
    public record Lookup(List<Declaration> visible, List<Declaration> hidden) {
        public boolean found() {
            return !visible.isEmpty();
        }

        /** Every port the visible declarations declare, sorted. */
        public TreeSet<Integer> ports() {
            TreeSet<Integer> ports = new TreeSet<>();
            visible.forEach(d -> ports.addAll(d.ports()));
            return ports;
        }
    }

    private final Services services;
    /** Services and non-wildcard ServiceEntry hosts, by host (lower-case, short ServiceEntry hosts qualified). */
    private final Map<String, List<Declaration>> exact = new HashMap<>();
    private final List<Declaration> wildcards = new ArrayList<>();
    /** Namespaces holding a Service of a name, for hints. */
    private final Map<String, TreeSet<String>> serviceNamespaces = new HashMap<>();
    /** host:port → protocol → the entries declaring it (by namespace/name). */
    private final Map<String, Map<String, List<Declared>>> byHostPort = new HashMap<>();

    private ServiceRegistry(Services services, List<ServiceEntry> entries) {
        this.services = services;
        for (ServiceInfo s : services.all) {
            TreeSet<Integer> ports = new TreeSet<>();
            s.ports().forEach(p -> ports.add(p.port()));
            add(new Declaration("Service", s.namespace(), s.name(), s.name() + "." + s.namespace() + Hosts.CLUSTER_SUFFIX,
                    s.visibility(), Set.copyOf(ports)));
            serviceNamespaces.computeIfAbsent(s.name(), k -> new TreeSet<>()).add(s.namespace());
        }
        List<ServiceEntry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing((ServiceEntry se) -> se.resource().namespace())
                .thenComparing(se -> se.resource().name()));
        for (ServiceEntry se : sorted) {
            String ns = se.resource().namespace();
            Visibility visibility = Visibility.exportTo(se.exportTo(), ns);
            TreeSet<Integer> ports = new TreeSet<>();
            se.ports().forEach(p -> {
                if (p.number() != null) {
                    ports.add(p.number());
                }
            });
            for (ServiceEntry.Host h : se.hosts()) {
                // "*" cannot exist (Istio's validation rejects it, EG601): it declares nothing.
                if (!h.value().isEmpty() && !h.normalized().equals("*")) {
                    add(new Declaration("ServiceEntry", ns, se.resource().name(), qualified(h.normalized(), ns),
                            visibility, Set.copyOf(ports)));
                }
            }
            indexPorts(se, visibility);
        }
    }

    private void add(Declaration d) {
        if (d.host().startsWith("*")) {
            wildcards.add(d);
        } else {
            exact.computeIfAbsent(d.host(), k -> new ArrayList<>(1)).add(d);
        }
    }

    private void indexPorts(ServiceEntry se, Visibility visibility) {
        String ref = se.resource().namespace() + "/" + se.resource().name();
        for (ServiceEntry.Port p : se.ports()) {
            if (p.number() == null) {
                continue;
            }
            for (ServiceEntry.Host h : se.hosts()) {
                List<Declared> list = byHostPort.computeIfAbsent(h.normalized() + ":" + p.number(),
                        k -> new LinkedHashMap<>()).computeIfAbsent(p.protocolUpper(), k -> new ArrayList<>(1));
                if (list.isEmpty() || !list.get(list.size() - 1).ref().equals(ref)) {
                    list.add(new Declared(ref, p.path(), p.protocolUpper(), visibility));
                }
            }
        }
    }

    public Services services() {
        return services;
    }

    /**
     * A route's host as Istio resolves it ({@code ResolveShortnameToFQDN}), for destinations and for the hosts a
     * VirtualService claims: a name without dots is a Service of the route's namespace
     * ({@code name.namespace.svc.cluster.local}); any other name stands as written (lower-case), so
     * {@code reviews.default} is not the Service reviews.
     */
    public static String qualifiedHost(String host, String namespace) {
        return qualified(HostSet.norm(host), namespace);
    }

    private static String qualified(String host, String namespace) {
        return host.isEmpty() || host.contains(".") || host.startsWith("*") ? host
                : host + "." + namespace + Hosts.CLUSTER_SUFFIX;
    }

    /** The declarations of a (qualified) host visible from where a route is looked up, and those hidden from it. */
    public Lookup lookup(String host, Visibility from) {
        List<Declaration> visible = new ArrayList<>();
        List<Declaration> hidden = new ArrayList<>();
        for (Declaration d : exact.getOrDefault(host, List.of())) {
            (d.visibility().visibleFrom(from) ? visible : hidden).add(d);
        }
        if (visible.isEmpty()) {
            for (Declaration d : wildcards) {
                if (covers(d.host(), host)) {
                    (d.visibility().visibleFrom(from) ? visible : hidden).add(d);
                }
            }
        }
        return new Lookup(List.copyOf(visible), List.copyOf(hidden));
    }

    /** Istio's ServiceEntry wildcard match: {@code *.example.com} (or {@code *example.com}) covers what ends like it. */
    private static boolean covers(String pattern, String host) {
        String suffix = pattern.substring(1);
        return (host.startsWith("*") ? host.substring(1) : host).endsWith(suffix);
    }

    /** Namespaces holding a Service of that name. */
    public Set<String> serviceNamespaces(String name) {
        return serviceNamespaces.getOrDefault(name, new TreeSet<>());
    }

    public boolean hasServiceEntryPorts() {
        return !byHostPort.isEmpty();
    }

    /**
     * A declaration by another ServiceEntry than {@code self} (namespace/name) of this host and port with
     * another protocol, visible in a namespace where {@code visibility} is too (Istio's IST0177 scoping).
     */
    public Declared otherProtocol(String host, int port, String protocol, String self, Visibility visibility) {
        Map<String, List<Declared>> protocols = byHostPort.get(host + ":" + port);
        if (protocols == null) {
            return null;
        }
        for (Map.Entry<String, List<Declared>> e : protocols.entrySet()) {
            if (e.getKey().equals(protocol)) {
                continue;
            }
            for (Declared d : e.getValue()) {
                if (!d.ref().equals(self) && d.visibility().overlaps(visibility)) {
                    return d;
                }
            }
        }
        return null;
    }
}
