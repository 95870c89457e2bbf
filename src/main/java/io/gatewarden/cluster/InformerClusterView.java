package io.gatewarden.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.gatewarden.config.GatewardenConfig;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The cluster as informer caches: answers every rule question from memory. Secret contents are
 * cached only in namespaces where gateway workloads run, never cluster-wide; which namespaces hold a
 * Secret of a given name (GW303) comes from a metadata-only index. The one API call on the admission
 * path confirms a Secret missing from the cache ({@link #secret(String, String, long)}): one shared
 * LIST per namespace and evaluation, whatever the number of credentials.
 */
@ApplicationScoped
public class InformerClusterView implements ClusterView {
    private static final Logger LOG = Logger.getLogger(InformerClusterView.class);
    static final Map<Kind, String> ISTIO_PLURALS = Map.of(Kind.ISTIO_GATEWAY, "gateways",
            Kind.VIRTUAL_SERVICE, "virtualservices", Kind.SERVICE_ENTRY, "serviceentries",
            Kind.DESTINATION_RULE, "destinationrules");
    /** The Gateway API kinds Gatewarden reads (TLSRoute and TCPRoute are in the experimental channel only). */
    static final Map<Kind, String> GATEWAY_API_PLURALS = Map.of(Kind.K8S_GATEWAY, "gateways",
            Kind.HTTP_ROUTE, "httproutes", Kind.GRPC_ROUTE, "grpcroutes", Kind.TLS_ROUTE, "tlsroutes",
            Kind.TCP_ROUTE, "tcproutes", Kind.REFERENCE_GRANT, "referencegrants");
    /**
     * The version read when a CRD serves several, best first: v1 (every supported Istio; Gateway API's
     * standard kinds), then v1beta1 (older installs; ReferenceGrant), then v1alpha3 (older Istio; TLSRoute
     * of Gateway API 1.3+), then v1alpha2 (TLSRoute and TCPRoute before that). All read alike.
     */
    static final List<String> VERSION_PREFERENCE = List.of("v1", "v1beta1", "v1alpha3", "v1alpha2");

    @Inject
    KubernetesClient client;
    @Inject
    GatewardenConfig config;
    @Inject
    ObjectMapper mapper;
    @Inject
    io.micrometer.core.instrument.MeterRegistry registry;

    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final Map<Kind, Snapshot<Resource>> resources = new EnumMap<>(Kind.class);
    private final Snapshot<Workload> workloads = new Snapshot<>();
    private final Snapshot<ServiceInfo> services = new Snapshot<>();
    private final Map<String, SharedIndexInformer<Secret>> secretInformers = new ConcurrentHashMap<>();
    private final Map<String, SecretData> secrets = new ConcurrentHashMap<>();
    private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<Kind, java.util.concurrent.atomic.AtomicLong> generations = new EnumMap<>(Kind.class);
    private final DerivedCache derived = new DerivedCache(this);
    /** Which namespaces' Secrets to cache, as decided above this layer (see {@link #setSecretScope}). */
    private volatile Function<ClusterView, Set<String>> secretScope = view -> Set.of();
    /** Woken whenever a Secret reaches the content cache: a confirmed miss waits here for its contents. */
    private final Object secretArrived = new Object();
    private final SecretNameIndex secretNames = new SecretNameIndex();
    private KubernetesClient metadataOnly;
    private SecretListings listings;
    private AccessReviews accessReviews;
    /** Failure-path lookups: a few daemon threads, not the common pool (one new thread per call on 2 cores). */
    private final ExecutorService lookups = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "gatewarden-lookup");
        t.setDaemon(true);
        return t;
    });
    private final ExecutorService background = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "gatewarden-namespaces");
        t.setDaemon(true);
        return t;
    });
    private final java.util.concurrent.ScheduledExecutorService rbacRefresh =
            Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "gatewarden-access-reviews");
                t.setDaemon(true);
                return t;
            });

    {
        for (Kind k : Kind.values()) {
            generations.put(k, new java.util.concurrent.atomic.AtomicLong());
        }
    }

    void onStart(@Observes StartupEvent event) {
        for (Kind k : crdPlurals().keySet()) {
            resources.put(k, new Snapshot<>());
        }
        resources.put(Kind.CONFIG_MAP, new Snapshot<>());
        resources.put(Kind.NAMESPACE, new Snapshot<>());
        try {
            start();
        } catch (RuntimeException e) {
            // Stay up (liveness) but not ready; informers retry on their own once started.
            LOG.errorf("cannot start cluster informers: %s", e.getMessage());
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        informers.forEach(SharedIndexInformer::stop);
        secretInformers.values().forEach(SharedIndexInformer::stop);
        background.shutdownNow();
        rbacRefresh.shutdownNow();
        lookups.shutdownNow();
        if (metadataOnly != null) {
            metadataOnly.close();
        }
    }

    private void start() {
        watch(client.pods().inAnyNamespace().inform(), Kind.POD, workloads, this::workloadOf);
        watch(client.apps().deployments().inAnyNamespace().inform(), Kind.DEPLOYMENT, workloads, this::workloadOf);
        watch(client.apps().statefulSets().inAnyNamespace().inform(), Kind.STATEFUL_SET, workloads, this::workloadOf);
        watch(client.apps().daemonSets().inAnyNamespace().inform(), Kind.DAEMON_SET, workloads, this::workloadOf);
        watch(client.services().inAnyNamespace().inform(), Kind.SERVICE, services, o -> Objects.service(resource(o)));
        // Namespace labels: Gateway API listeners admit routes by namespace selector; ambient opts in by label.
        watch(client.namespaces().inform(), Kind.NAMESPACE, resources.get(Kind.NAMESPACE), this::resource);
        for (Map.Entry<Kind, String> e : crdPlurals().entrySet()) {
            servedVersion(e.getKey(), e.getValue()).ifPresentOrElse(version -> {
                ResourceDefinitionContext ctx = new ResourceDefinitionContext.Builder().withGroup(e.getKey().group())
                        .withVersion(version).withKind(e.getKey().kind()).withPlural(e.getValue()).withNamespaced(true).build();
                SharedIndexInformer<GenericKubernetesResource> inf = client.genericKubernetesResources(ctx).inAnyNamespace().inform();
                watch(inf, e.getKey(), resources.get(e.getKey()), this::resource);
            }, () -> LOG.warnf("CRD %s.%s not installed: treating it as empty", e.getValue(), e.getKey().group()));
        }
        // Namespace labels: the policy's exempt namespaces (POL801, POL806).
        watch(client.namespaces().inform(), Kind.NAMESPACE, resources.get(Kind.NAMESPACE), this::resource);
        // The policy ConfigMaps only (every POL code, EG610): the policy reads them from the view like any
        // resource. The egress one of earlier releases still applies.
        for (String policy : new TreeSet<>(List.of(config.egress().configMap(), config.policy().configMap()))) {
            if (!policy.isEmpty()) {
                watch(client.configMaps().inNamespace(config.namespace()).withField("metadata.name", policy).inform(),
                        Kind.CONFIG_MAP, resources.get(Kind.CONFIG_MAP), this::resource);
            }
        }
        // Secret names cluster-wide, metadata only (GW303), and the live confirmation of a cache miss.
        metadataOnly = MetadataOnly.client(client);
        informers.add(secretNames.start(metadataOnly));
        listings = new SecretListings(this::secretNamesIn, lookups, System::nanoTime);
        // GW314: the authorizer's answers, kept until an RBAC object changes (names only are watched).
        accessReviews = new AccessReviews(this::reviewSecretAccess, lookups, rbacRefresh, System::nanoTime);
        for (Kind k : Kind.RBAC) {
            informers.add(watchChanges(metadataOnly, k, () -> {
                accessReviews.rbacChanged();
                notifyListeners(k);
            }));
        }
        // Gatewarden's own secrets, wherever they are: orphans and sweeps never need an API call.
        SharedIndexInformer<Secret> managed = client.secrets().inAnyNamespace()
                .withLabel(SecretData.MANAGED_LABEL, "true").inform();
        managed.addEventHandler(secretHandler());
        informers.add(managed);
        ensureSecretsWatched(config.certificates().fallbackNamespace(), false);
        ensureSecretsWatched(config.namespace(), false);
        config.cluster().secretNamespaces().ifPresent(l -> l.forEach(ns -> ensureSecretsWatched(ns, false)));
        background.submit(this::watchScopedNamespaces);
    }

    /** The Istio and Gateway API kinds, each with its CRD's plural. */
    static Map<Kind, String> crdPlurals() {
        Map<Kind, String> all = new EnumMap<>(Kind.class);
        all.putAll(ISTIO_PLURALS);
        all.putAll(GATEWAY_API_PLURALS);
        return all;
    }

    /** The served version first in {@link #VERSION_PREFERENCE}, else any served one; empty when the CRD is absent. */
    private Optional<String> servedVersion(Kind kind, String plural) {
        CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions()
                .withName(plural + "." + kind.group()).get();
        if (crd == null) {
            return Optional.empty();
        }
        List<String> served = crd.getSpec().getVersions().stream().filter(CustomResourceDefinitionVersion::getServed)
                .map(CustomResourceDefinitionVersion::getName).toList();
        for (String v : VERSION_PREFERENCE) {
            if (served.contains(v)) {
                return Optional.of(v);
            }
        }
        return served.stream().findFirst();
    }

    /**
     * Keeps {@code into} current and bumps the kind's generation on a change. An update that leaves
     * what the view exposes unchanged (a Pod's status, a Service's annotations) changes nothing: in a
     * real cluster Pods change all the time, and each bump would recompute what depends on them.
     */
    private <T extends HasMetadata, V> void watch(SharedIndexInformer<T> informer, Kind kind, Snapshot<V> into,
                                                  Function<T, V> convert) {
        informer.addEventHandler(new ResourceEventHandler<T>() {
            @Override
            public void onAdd(T obj) {
                into.put(key(obj), convert.apply(obj));
                changed(kind);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                V value = convert.apply(newObj);
                if (value.equals(into.get(key(newObj)))) {
                    return;
                }
                into.put(key(newObj), value);
                changed(kind);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                into.remove(key(obj));
                changed(kind);
            }
        });
        informers.add(informer);
    }

    /** New gateways or workloads may move credentials to namespaces whose Secrets are not cached yet. */
    private void changed(Kind kind) {
        notifyListeners(kind);
        if (kind != Kind.SECRET && kind != Kind.SERVICE && kind != Kind.CONFIG_MAP && kind != Kind.NAMESPACE
                && allSynced()) {
            background.submit(this::watchScopedNamespaces);
        }
    }

    /**
     * Which namespaces' Secrets to cache: the function is given by the layer that knows where
     * credentials are read (the credential placement of the rules, with the service's settings).
     */
    public void setSecretScope(Function<ClusterView, Set<String>> scope) {
        this.secretScope = java.util.Objects.requireNonNull(scope, "scope");
        background.submit(this::watchScopedNamespaces);
    }

    private void watchScopedNamespaces() {
        try {
            new TreeSet<>(secretScope.apply(this)).forEach(ns -> ensureSecretsWatched(ns, false));
        } catch (RuntimeException e) {
            LOG.warnf("could not compute the namespaces whose Secrets to cache: %s", e.getMessage());
        }
    }

    /** Starts caching Secrets of a namespace; optionally waits (bounded) for the first list. */
    SharedIndexInformer<Secret> ensureSecretsWatched(String namespace, boolean waitForSync) {
        SharedIndexInformer<Secret> informer = secretInformers.computeIfAbsent(namespace, ns -> {
            LOG.infof("caching Secrets of namespace %s (gateway workloads run there)", ns);
            SharedIndexInformer<Secret> inf = client.secrets().inNamespace(ns).inform();
            inf.addEventHandler(secretHandler());
            return inf;
        });
        if (waitForSync && !informer.hasSynced()) {
            try {
                informer.start().toCompletableFuture()
                        .get(config.cluster().secretSyncTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                LOG.warnf("Secrets of %s not synced within %s: answering from what is cached", namespace,
                        config.cluster().secretSyncTimeout());
            }
        }
        return informer;
    }

    private ResourceEventHandler<Secret> secretHandler() {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(Secret s) {
                cache(s);
            }

            @Override
            public void onUpdate(Secret oldS, Secret s) {
                cache(s);
            }

            @Override
            public void onDelete(Secret s, boolean unknown) {
                secrets.remove(secretKey(s));
                notifyListeners(Kind.SECRET);
            }
        };
    }

    private void cache(Secret s) {
        secrets.put(secretKey(s), Objects.secret(s));
        synchronized (secretArrived) {
            secretArrived.notifyAll();
        }
        notifyListeners(Kind.SECRET);
    }

    /** Called after any cached object changes: the certificate manager reconciles on it. */
    public void addListener(Runnable listener) {
        listeners.add(listener);
    }

    private void notifyListeners(Kind kind) {
        generations.get(kind).incrementAndGet();
        listeners.forEach(Runnable::run);
    }

    @Override
    public long generation(Kind kind) {
        return generations.get(kind).get();
    }

    @Override
    public DerivedCache derived() {
        return derived;
    }

    /** Every cached Secret that Gatewarden manages. */
    public List<SecretData> managedSecrets() {
        return secrets.values().stream().filter(SecretData::managed).toList();
    }

    public boolean allSynced() {
        return !informers.isEmpty() && informers.stream().allMatch(SharedIndexInformer::hasSynced)
                && secretInformers.values().stream().allMatch(SharedIndexInformer::hasSynced);
    }

    @Override
    public List<Resource> resources(Kind kind) {
        Snapshot<Resource> s = resources.get(kind);
        return s == null ? List.of() : s.list();
    }

    @Override
    public List<Workload> workloads() {
        return workloads.list();
    }

    @Override
    public List<ServiceInfo> services() {
        return services.list();
    }

    @Override
    public Optional<SecretData> secret(String namespace, String name) {
        return secret(namespace, name, System.nanoTime());
    }

    /**
     * From the cache. A Secret created an instant before the Gateway naming it may not have reached the
     * informer yet, and a false "missing" would deny the Gateway or make Gatewarden provision over it: a
     * miss is confirmed by a live LIST of the namespace's Secret names (metadata only) begun after
     * {@code since}, shared with every other miss of the evaluation ({@link SecretListings}). A name the
     * LIST has but the cache lacks is waited for (bounded by the lookup timeout): its contents are on the way.
     */
    @Override
    public Optional<SecretData> secret(String namespace, String name, long since) {
        ensureSecretsWatched(namespace, true);
        String key = namespace + "/" + name;
        SecretData cached = secrets.get(key);
        if (cached != null) {
            return Optional.of(cached);
        }
        Set<String> names = bounded(listings.since(namespace, since), Set.of(), "list of the Secrets in " + namespace);
        return names.contains(name) ? Optional.ofNullable(awaitCached(key)) : Optional.empty();
    }

    /** The cached Secret once its informer delivers it, or null (logged) after the lookup timeout. */
    private SecretData awaitCached(String key) {
        long deadline = System.nanoTime() + config.cluster().lookupTimeout().toNanos();
        synchronized (secretArrived) {
            SecretData s;
            while ((s = secrets.get(key)) == null && deadline - System.nanoTime() > 0) {
                try {
                    secretArrived.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (s == null) {
                LOG.warnf("secret %s exists but did not reach the cache within %s: judged as missing", key,
                        config.cluster().lookupTimeout());
            }
            return s;
        }
    }

    /** Names of the Secrets in a namespace, read live with metadata only: the one API call a review may make. */
    private Set<String> secretNamesIn(String namespace) {
        registry.counter("gatewarden.cluster.live.reads").increment(); // tests and dashboards count these
        Set<String> names = new java.util.HashSet<>();
        metadataOnly.secrets().inNamespace(namespace).list().getItems().forEach(s -> names.add(s.getMetadata().getName()));
        return names;
    }

    /**
     * From the answers kept by {@link AccessReviews}: no API call once an answer is kept and RBAC has not changed
     * since; the first question about a (namespace, ServiceAccount) is asked live, bounded by the lookup timeout.
     */
    @Override
    public SecretAccess secretAccess(String namespace, String serviceAccount) {
        return accessReviews == null ? SecretAccess.NOT_JUDGED
                : accessReviews.get(namespace, serviceAccount, config.cluster().lookupTimeout());
    }

    /** istiod's own question (pilot/pkg/credentials/kube): the ServiceAccount as user, no groups, list secrets. */
    private SecretAccess reviewSecretAccess(String namespace, String serviceAccount) {
        registry.counter("gatewarden.cluster.access.reviews").increment(); // tests and dashboards count these
        String user = SecretAccess.user(namespace, serviceAccount);
        try {
            var review = client.authorization().v1().subjectAccessReview().create(
                    new io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder().withNewSpec()
                            .withUser(user).withNewResourceAttributes().withNamespace(namespace).withVerb("list")
                            .withGroup("").withResource("secrets").endResourceAttributes().endSpec().build());
            var status = review.getStatus();
            String reason = status == null || status.getReason() == null ? "" : status.getReason();
            if (status != null && Boolean.TRUE.equals(status.getAllowed())) {
                return SecretAccess.allowed("the API server allows it" + (reason.isEmpty() ? "" : " (" + reason + ")"));
            }
            return SecretAccess.denied(reason.isEmpty() ? "no Role or ClusterRole bound to it allows it" : reason);
        } catch (RuntimeException e) {
            LOG.warnf("cannot ask the API server whether %s may list secrets in %s (GW314 not judged; asked again "
                    + "in %s): %s", user, namespace, AccessReviews.RETRY_FAILED, e.getMessage());
            throw e;
        }
    }

    /**
     * A metadata-only informer over one kind that runs {@code onChange} on every added, changed or deleted object
     * (a relist that delivers an unchanged object is no change).
     */
    private static SharedIndexInformer<GenericKubernetesResource> watchChanges(KubernetesClient metadataOnly, Kind kind,
                                                                              Runnable onChange) {
        SharedIndexInformer<GenericKubernetesResource> informer = metadataOnly
                .genericKubernetesResources(kind.group() + "/v1", kind.kind()).inAnyNamespace().runnableInformer(0);
        informer.itemStore(new io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore<>(
                io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore.NAME_KEY_STATE,
                GenericKubernetesResource.class, metadataOnly.getKubernetesSerialization()));
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource obj) {
                onChange.run();
            }

            @Override
            public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
                if (!java.util.Objects.equals(oldObj.getMetadata().getResourceVersion(),
                        newObj.getMetadata().getResourceVersion())) {
                    onChange.run();
                }
            }

            @Override
            public void onDelete(GenericKubernetesResource obj, boolean deletedFinalStateUnknown) {
                onChange.run();
            }
        });
        informer.start();
        return informer;
    }

    /** From the metadata-only index of every Secret's name: no API call. */
    @Override
    public List<String> namespacesWithSecret(String name) {
        return secretNames.namespaces(name);
    }

    /** A live read's answer, waited for at most the lookup timeout so a review never hangs. */
    private <T> T bounded(java.util.concurrent.CompletableFuture<T> call, T fallback, String what) {
        try {
            return call.get(config.cluster().lookupTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fallback;
        } catch (Exception e) {
            LOG.warnf("%s failed: %s", what, e.toString());
            return fallback;
        }
    }

    private Workload workloadOf(HasMetadata o) {
        return Objects.workload(resource(o)).orElseThrow();
    }

    private Resource resource(HasMetadata o) {
        JsonNode body = mapper.valueToTree(o);
        return Resource.of(body, o.getMetadata().getNamespace(), "cluster");
    }

    private static String secretKey(Secret s) {
        return s.getMetadata().getNamespace() + "/" + s.getMetadata().getName();
    }

    private static String key(HasMetadata o) {
        return o.getKind() + "/" + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }

    /**
     * A concurrent map with a list snapshot rebuilt only after a change: reviews read lists
     * far more often than the cluster changes.
     */
    static final class Snapshot<V> {
        private final Map<String, V> items = new ConcurrentHashMap<>();
        private volatile List<V> list = List.of();
        private volatile boolean dirty;

        void put(String key, V value) {
            items.put(key, value);
            dirty = true;
        }

        void remove(String key) {
            items.remove(key);
            dirty = true;
        }

        V get(String key) {
            return items.get(key);
        }

        List<V> list() {
            if (dirty) {
                dirty = false;
                list = new ArrayList<>(new java.util.TreeMap<>(items).values());
            }
            return list;
        }
    }
}
