package io.gatewarden.webhook;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.gatewarden.certificates.CertificateManager;
import io.gatewarden.certificates.ManagedSecret;
import io.gatewarden.certificates.SecretWriter;
import io.gatewarden.cluster.InformerClusterView;
import io.gatewarden.cluster.SecretData;
import io.gatewarden.config.CertificateTimings;
import io.gatewarden.config.GatewardenConfig;
import io.gatewarden.config.Settings;
import io.gatewarden.demands.CredentialDemand;
import io.gatewarden.demands.IssuanceReason;
import io.gatewarden.demands.RenewalPolicy;
import io.gatewarden.diagnostics.ObjectRef;
import io.gatewarden.facts.RuleSettings;
import io.gatewarden.facts.SecretAssessment;
import io.gatewarden.pki.CertificateAuthority;
import io.gatewarden.pki.CertificateIssuer;
import io.gatewarden.pki.KeyAlgorithm;
import io.gatewarden.pki.LeafRequest;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Self-managed webhook TLS ({@code gatewarden.webhook.tls=self}). Every replica serves the certificate of
 * Secret {@code <namespace>/<gatewarden.webhook.secret>}, swapped in as soon as the Secret changes. The
 * certificate leader also keeps that Secret valid (issued from Gatewarden's CA for the Service's DNS names,
 * renewed like every managed certificate, at 2/3 of its lifetime by default) and keeps the {@code caBundle}
 * of both webhook configurations equal to the CA's trust bundle. Order matters at a CA rotation: the bundle
 * gains the new CA first, and only {@link #BUNDLE_SETTLE} later is the certificate re-issued from it, so the
 * API server trusts the new certificate before any replica serves it; the old CA stays in the bundle until it
 * expires.
 */
@ApplicationScoped
public class WebhookTls {
    private static final Logger LOG = Logger.getLogger(WebhookTls.class);
    /** How long the API server may take to see a new caBundle (it watches webhook configurations). */
    static final Duration BUNDLE_SETTLE = Duration.ofSeconds(5);
    /** Checks even without a wake-up: the CA may have changed (the certificate manager loads it). */
    static final Duration POLL = Duration.ofSeconds(2);

    @Inject
    GatewardenConfig config;
    @Inject
    KubernetesClient client;
    @Inject
    InformerClusterView view;
    @Inject
    CertificateManager certificates;
    @Inject
    @io.smallrye.common.annotation.Identifier(ServingKeyStore.TLS_CONFIGURATION)
    ServingKeyStore keyStore;

    Clock clock = Clock.systemUTC();
    private final Semaphore wake = new Semaphore(0);
    private final CertificateIssuer issuer = new CertificateIssuer();
    private SharedIndexInformer<ValidatingWebhookConfiguration> validating;
    private SharedIndexInformer<MutatingWebhookConfiguration> mutating;
    private volatile boolean running;
    private SecretWriter writer;
    private RenewalPolicy policy;
    private CertificateTimings timings;
    private CredentialDemand demand;
    /** When this replica last changed a caBundle, or became leader (it cannot know when its predecessor did). */
    private Instant bundleChangedAt = Instant.MIN;
    private boolean wasLeader;
    private Verified verified;

    /** The Secret's certificate found fine for this CA: no check again until renewAt, unless it changes. */
    private record Verified(byte[] certificate, String issuer, Instant renewAt) {
    }

    void onStart(@Observes StartupEvent event) {
        if (config.webhook().tls() != GatewardenConfig.WebhookTls.SELF) {
            return;
        }
        // The same lease guard as every certificate write: no write unless this replica's Lease is fresh.
        writer = new SecretWriter(client, certificates::isLeader);
        timings = Settings.certificateTimings(config);
        policy = new RenewalPolicy(RuleSettings.from(config, clock).renewal()); // the same timing as every leaf
        demand = new CredentialDemand(config.namespace(), config.webhook().secret(), dnsNames(config), false,
                CredentialDemand.Purpose.SERVER, List.of(new ObjectRef("", "Service", config.namespace(),
                config.webhook().service())), null);
        ResourceEventHandler<HasMetadata> wakeUp = new ResourceEventHandler<>() {
            @Override
            public void onAdd(HasMetadata obj) {
                wake.release();
            }

            @Override
            public void onUpdate(HasMetadata oldObj, HasMetadata newObj) {
                wake.release();
            }

            @Override
            public void onDelete(HasMetadata obj, boolean deletedFinalStateUnknown) {
                wake.release();
            }
        };
        // Watched by name (RBAC grants these two names only): a re-created configuration gets its bundle at once.
        validating = client.admissionRegistration().v1().validatingWebhookConfigurations()
                .withName(config.webhook().validatingConfiguration()).inform(cast(wakeUp));
        mutating = client.admissionRegistration().v1().mutatingWebhookConfigurations()
                .withName(config.webhook().mutatingConfiguration()).inform(cast(wakeUp));
        view.addListener(wake::release);
        running = true;
        LOG.infof("webhook TLS is self-managed: Secret %s/%s for %s; caBundle kept in %s and %s", config.namespace(),
                config.webhook().secret(), String.join(",", demand.dnsNames()), config.webhook().validatingConfiguration(),
                config.webhook().mutatingConfiguration());
        Thread worker = new Thread(this::loop, "gatewarden-webhook-tls");
        worker.setDaemon(true);
        worker.start();
    }

    @SuppressWarnings("unchecked")
    private static <T extends HasMetadata> ResourceEventHandler<T> cast(ResourceEventHandler<HasMetadata> h) {
        return (ResourceEventHandler<T>) (ResourceEventHandler<?>) h;
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        if (validating != null) {
            validating.close();
            mutating.close();
        }
        wake.release();
    }

    /** {@code <service>.<namespace>.svc}, {@code <service>.<namespace>.svc.cluster.local}, then the extra names. */
    static List<String> dnsNames(GatewardenConfig config) {
        String svc = config.webhook().service() + "." + config.namespace() + ".svc";
        List<String> names = new ArrayList<>(List.of(svc, svc + ".cluster.local"));
        config.webhook().extraDnsNames().ifPresent(names::addAll);
        return List.copyOf(names);
    }

    private void loop() {
        while (running) {
            Duration wait = POLL;
            try {
                wait = pass(clock.instant());
            } catch (SecretWriter.NotLeaderException e) {
                LOG.infof("webhook certificate not written: %s", e.getMessage());
            } catch (RuntimeException e) {
                LOG.errorf(e, "webhook TLS pass failed; retrying");
                wait = Duration.ofSeconds(1);
            }
            try {
                long ms = Math.max(10, Math.min(wait.toMillis(), POLL.toMillis()));
                if (wake.tryAcquire(ms, TimeUnit.MILLISECONDS)) {
                    Thread.sleep(50); // coalesce a burst of events into one pass
                    wake.drainPermits();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One pass; returns how long until something is due. */
    Duration pass(Instant now) {
        Optional<SecretData> secret = view.secret(config.namespace(), config.webhook().secret());
        secret.ifPresent(s -> load(s, now));
        boolean leader = certificates.isLeader();
        if (leader && !wasLeader) {
            bundleChangedAt = now; // the previous leader may have changed a bundle just now
        }
        wasLeader = leader;
        Optional<CertificateAuthority> ca = certificates.issuingCa();
        if (!leader || ca.isEmpty()) {
            return POLL;
        }
        Bundle bundle = keepBundles(ca.get(), now);
        if (bundle == Bundle.CHANGED) {
            bundleChangedAt = now;
        }
        return keepCertificate(ca.get(), secret, now, bundle == Bundle.BEHIND);
    }

    /** Every replica: serve the Secret's certificate once it differs from the one in use and is usable. */
    private void load(SecretData secret, Instant now) {
        byte[] crt = secret.value(ManagedSecret.TLS_CRT);
        byte[] key = secret.value(ManagedSecret.TLS_KEY);
        Optional<ServingMaterial> inUse = keyStore.loaded();
        if (crt == null || key == null || inUse.isPresent() && Arrays.equals(crt, inUse.get().certificatePem())
                && Arrays.equals(key, inUse.get().keyPem())) {
            return;
        }
        try {
            keyStore.use(ServingMaterial.of(crt, key, "Secret " + secret.namespace() + "/" + secret.name(), now));
        } catch (IllegalArgumentException e) {
            LOG.warnf("not serving the certificate of %s: %s", secret.name(), e.getMessage());
        }
    }

    /** What the bundles of the configurations that exist hold after a pass. */
    enum Bundle {
        CURRENT, CHANGED, BEHIND;

        Bundle and(Bundle other) {
            return this == BEHIND || other == BEHIND ? BEHIND : this == CHANGED || other == CHANGED ? CHANGED : CURRENT;
        }
    }

    /** The leader: both configurations' caBundle = the CA's trust bundle. */
    private Bundle keepBundles(CertificateAuthority ca, Instant now) {
        String desired = CaBundles.desired(ca, now);
        Bundle v = keepBundle(desired, validating.getStore().getByKey(config.webhook().validatingConfiguration()),
                c -> c.getWebhooks().stream().map(w -> webhook(w.getName(), w.getClientConfig())).toList(),
                (name, json) -> client.admissionRegistration().v1().validatingWebhookConfigurations().withName(name)
                        .patch(PatchContext.of(PatchType.JSON), json));
        Bundle m = keepBundle(desired, mutating.getStore().getByKey(config.webhook().mutatingConfiguration()),
                c -> c.getWebhooks().stream().map(w -> webhook(w.getName(), w.getClientConfig())).toList(),
                (name, json) -> client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(name)
                        .patch(PatchContext.of(PatchType.JSON), json));
        return v.and(m);
    }

    private static CaBundles.Webhook webhook(String name, WebhookClientConfig cc) {
        return new CaBundles.Webhook(name, cc == null ? null : cc.getCaBundle());
    }

    /** {@code current} from the informer (null: not installed); a failed patch is retried on the next pass. */
    private <T extends HasMetadata> Bundle keepBundle(String desired, T current,
                                                      Function<T, List<CaBundles.Webhook>> webhooks,
                                                      BiConsumer<String, String> patch) {
        if (current == null) {
            return Bundle.CURRENT; // not installed: nobody to trust anything yet
        }
        Optional<String> ops = CaBundles.patch(current.getMetadata().getResourceVersion(), webhooks.apply(current), desired);
        if (ops.isEmpty()) {
            return Bundle.CURRENT;
        }
        String name = current.getMetadata().getName();
        if (!certificates.isLeader()) {
            return Bundle.BEHIND; // checked again right before the write: the Lease may have lapsed meanwhile
        }
        try {
            patch.accept(name, ops.get());
            LOG.infof("caBundle of %s %s set to Gatewarden's CA trust bundle", current.getKind(), name);
            return Bundle.CHANGED;
        } catch (RuntimeException e) {
            // Changed meanwhile (the test of resourceVersion failed) or gone: the informer brings the news.
            LOG.infof("caBundle of %s %s not patched (%s); trying again", current.getKind(), name, e.getMessage());
            return Bundle.BEHIND;
        }
    }

    /** The leader: the Secret's certificate valid, for the right names, from the current CA, not yet due. */
    private Duration keepCertificate(CertificateAuthority ca, Optional<SecretData> secret, Instant now,
                                     boolean bundleBehind) {
        byte[] crt = secret.map(s -> s.value(ManagedSecret.TLS_CRT)).orElse(null);
        Verified v = verified;
        if (v != null && crt != null && Arrays.equals(v.certificate(), crt) && v.issuer().equals(ca.fingerprint())
                && now.isBefore(v.renewAt())) {
            return Duration.between(now, v.renewAt());
        }
        RenewalPolicy.Verdict verdict = policy.judge(secret.map(SecretAssessment::of), demand, ca.fingerprint(), now);
        if (verdict.reason().isEmpty()) {
            verified = new Verified(crt, ca.fingerprint(), verdict.renewAt());
            return Duration.between(now, verdict.renewAt());
        }
        IssuanceReason reason = verdict.reason().get();
        // A certificate from this CA only once every bundle holds it and the API server has had time to see
        // that (unless none is served yet, or the one served has expired: then nothing works anyway).
        Instant settled = bundleChangedAt.plus(BUNDLE_SETTLE);
        if (secret.isPresent() && reason != IssuanceReason.EXPIRED && (bundleBehind || now.isBefore(settled))) {
            return bundleBehind ? Duration.ofSeconds(1) : Duration.between(now, settled);
        }
        issue(ca);
        return Duration.ZERO;
    }

    private void issue(CertificateAuthority ca) {
        SecretWriter.Written<IssuanceReason> written = writer.change(config.namespace(), config.webhook().secret(),
                read -> policy.judge(read.map(SecretAssessment::of), demand, ca.fingerprint(), clock.instant()).reason()
                        // Decided again on what was just read: a previous leader may have renewed it already.
                        .map(why -> new SecretWriter.Change<>(ManagedSecret.desired(demand, issuer.issue(
                                new LeafRequest(demand.dnsNames(), algorithm(), timings.lifetime(), false, true), ca,
                                clock), ca, clock.instant()), why)));
        switch (written.outcome()) {
            case CREATED, UPDATED -> LOG.infof("webhook serving certificate %s/%s %s for %s: %s", config.namespace(),
                    config.webhook().secret(), written.outcome() == SecretWriter.Outcome.CREATED ? "issued" : "renewed",
                    String.join(",", demand.dnsNames()), written.why().text());
            case UNMANAGED -> LOG.errorf("Secret %s/%s exists without the %s label: Gatewarden will not overwrite it; "
                            + "delete it, or set gatewarden.webhook.tls=files to serve it yourself", config.namespace(),
                    config.webhook().secret(), ManagedSecret.MANAGED_LABEL);
            default -> {
            }
        }
    }

    private KeyAlgorithm algorithm() {
        try {
            return KeyAlgorithm.parse(config.certificates().keyAlgorithm());
        } catch (IllegalArgumentException e) {
            return KeyAlgorithm.DEFAULT;
        }
    }
}
