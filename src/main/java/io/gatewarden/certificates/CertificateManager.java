package io.gatewarden.certificates;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.gatewarden.cluster.InformerClusterView;
import io.gatewarden.config.CertificateTimings;
import io.gatewarden.config.GatewardenConfig;
import io.gatewarden.config.Settings;
import io.gatewarden.facts.RuleSettings;
import io.gatewarden.pki.CertificateAuthority;
import io.gatewarden.policy.PolicyWatcher;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The certificate manager's life cycle in the service: makes every demanded credential exist and stay
 * valid by running the {@link Reconciler}'s pass on a {@link WakeLoop} (woken by cluster changes, by
 * the next due time, at least every sweep), writing only while this replica holds the Lease
 * ({@link LeaderElection}). The other replicas keep answering admission and keep the CA loaded.
 */
@ApplicationScoped
public class CertificateManager {
    private static final Logger LOG = Logger.getLogger(CertificateManager.class);

    @Inject
    InformerClusterView view;
    @Inject
    KubernetesClient client;
    @Inject
    GatewardenConfig config;
    @Inject
    MeterRegistry registry;
    @Inject
    PolicyWatcher policy;

    /** The one wall clock of the manager; lease timing also uses the monotonic clock (see LeaderLease). */
    private final Clock clock = Clock.systemUTC();
    /** Whether this replica may write Secrets now: the renewed Lease, or always without leader election. */
    private volatile BooleanSupplier mayWrite = () -> false;
    private CaStore caStore;
    private LeaderElection election;
    private WakeLoop loop;

    void onStart(@Observes StartupEvent event) {
        boolean provision = config.certificates().provision();
        if (!provision) {
            LOG.info("certificate provisioning is off (gatewarden.certificates.provision=false)");
            if (config.webhook().tls() != GatewardenConfig.WebhookTls.SELF) {
                return;
            }
            // The CA and the leader are still needed: they issue the webhook's own certificate.
        }
        GatewardenConfig.Certificates c = config.certificates();
        CertificateTimings timings = Settings.certificateTimings(config); // checked at start-up (SettingsCheck)
        SecretWriter writer = new SecretWriter(client, () -> mayWrite.getAsBoolean());
        CertificateEvents events = new CertificateEvents(client, config.identity());
        CertificateMetrics metrics = new CertificateMetrics(registry, clock);
        Backoff backoff = new Backoff();
        backoff.max = timings.backoffLimit();
        caStore = new CaStore(writer::write, config.namespace(), c.caSecret(), timings.caLifetime(), clock, backoff,
                new CaSignals(metrics, events, config.namespace(), c.caSecret()));
        Reconciler reconciler = new Reconciler(new Reconciler.Setup(config.namespace(), c.caSecret(), c.keyAlgorithm(),
                timings.lifetime(), timings.sweepInterval(), c.deleteOrphans(), provision, config.webhook().secret()),
                view, view::managedSecrets,
                RuleSettings.from(config, clock).withPolicy(policy), writer, caStore, events, metrics, backoff,
                () -> mayWrite.getAsBoolean());
        loop = new WakeLoop("gatewarden-certificates", timings.sweepInterval(), view::allSynced, reconciler::pass);
        view.addListener(loop::wake);
        loop.start();
        if (c.leaderElection().enabled()) {
            CertificateTimings.LeaderElection le = timings.leaderElection();
            election = new LeaderElection(client, new LeaderElection.Settings(config.namespace(),
                    c.leaderElection().leaseName(), config.identity(), le.leaseDuration(), le.renewDeadline(),
                    le.retryPeriod()), registry, loop::wake, clock);
            mayWrite = election::mayWrite;
            election.start();
        } else {
            mayWrite = () -> true;
            Gauge.builder("gatewarden.certificates.leader", () -> 1).register(registry);
        }
    }

    /** SIGTERM: hand the Lease over at once, not after the drain delay (admission keeps being answered). */
    void onShutdownDelay(@Observes ShutdownDelayInitiatedEvent event) {
        onStop(null);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (loop != null) {
            loop.stop();
        }
        if (election != null) {
            election.stop();
        }
    }

    /** The issuing CA's state for the health check's data (not its status: admission does not need the CA). */
    public String caStatus() {
        return caStore == null ? "provisioning off" : caStore.status();
    }

    /** Whether this replica may write certificates now (readiness data, tests). */
    public boolean isLeader() {
        return mayWrite.getAsBoolean();
    }

    /** The CA that issues certificates, once loaded (every replica loads it; the leader creates and rotates it). */
    public Optional<CertificateAuthority> issuingCa() {
        return caStore == null ? Optional.empty() : caStore.current();
    }
}
