package io.gatewarden.certificates;

import io.gatewarden.cluster.ClusterView;
import io.gatewarden.cluster.SecretData;
import io.gatewarden.demands.CredentialDemand;
import io.gatewarden.demands.CredentialRef;
import io.gatewarden.demands.Demands;
import io.gatewarden.demands.IssuanceReason;
import io.gatewarden.demands.Plan;
import io.gatewarden.demands.PlanEntry;
import io.gatewarden.demands.RenewalPolicy;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.facts.Facts;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.rules.CredentialAccessRules;
import io.gatewarden.facts.RuleSettings;
import io.gatewarden.facts.SecretAssessments;
import io.gatewarden.pki.CertificateAuthority;
import io.gatewarden.pki.CertificateIssuer;
import io.gatewarden.pki.IssuedCertificate;
import io.gatewarden.pki.KeyAlgorithm;
import io.gatewarden.pki.LeafRequest;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * One pass of the certificate manager: loads (and, leading, creates or rotates) the CA, computes the
 * {@link Plan} (the same one {@code analyze} prints) and carries it out, then handles orphans. Only
 * while {@code mayWrite}; every write is guarded again at the last moment ({@link SecretWriter}). Built
 * by its constructor from plain parts; used by one thread.
 */
final class Reconciler {
    private static final Logger LOG = Logger.getLogger(Reconciler.class);

    /**
     * @param caNamespace         Gatewarden's namespace, where the CA Secret lives
     * @param caSecret            the CA Secret's name
     * @param defaultKeyAlgorithm {@code gatewarden.certificates.key-algorithm}
     * @param lifetime            leaf lifetime
     * @param sweep               the longest wait between passes
     * @param deleteOrphans       delete managed Secrets nothing names any more (otherwise annotate them)
     * @param provision           provision the Secrets Gateways and DestinationRules name (else keep only the CA)
     * @param webhookSecret       the webhook's own serving Secret in caNamespace (kept by WebhookTls, never an orphan)
     */
    record Setup(String caNamespace, String caSecret, String defaultKeyAlgorithm, Duration lifetime, Duration sweep,
                 boolean deleteOrphans, boolean provision, String webhookSecret) {
    }

    private final Setup setup;
    private final ClusterView view;
    private final Supplier<List<SecretData>> managedSecrets;
    private final RuleSettings settings;
    private final SecretWriter writer;
    private final CaStore caStore;
    private final CertificateEvents events;
    private final CertificateMetrics metrics;
    private final RenewalPolicy policy;
    private final SecretAssessments assessments;
    private final VerifiedCache verified;
    private final Backoff backoff;
    private final BooleanSupplier mayWrite;
    private final Clock clock;
    private final CertificateIssuer issuer = new CertificateIssuer();
    private final CredentialAccessRules credentialAccess = new CredentialAccessRules();
    /** GW314 findings already reported as Events, so each is reported once while it lasts. */
    private final Set<String> unreadableReported = new HashSet<>();

    @SuppressWarnings("checkstyle:ParameterNumber") // the parts of a pass, each injected for tests
    Reconciler(Setup setup, ClusterView view, Supplier<List<SecretData>> managedSecrets, RuleSettings settings,
               SecretWriter writer, CaStore caStore, CertificateEvents events, CertificateMetrics metrics,
               Backoff backoff, BooleanSupplier mayWrite) {
        this.setup = setup;
        this.view = view;
        this.managedSecrets = managedSecrets;
        this.settings = settings;
        this.writer = writer;
        this.caStore = caStore;
        this.events = events;
        this.metrics = metrics;
        this.backoff = backoff;
        this.mayWrite = mayWrite;
        this.clock = settings.clock();
        this.policy = new RenewalPolicy(settings.renewal());
        this.assessments = view.derived().get(SecretAssessments.DERIVATION);
        this.verified = new VerifiedCache(policy, assessments);
    }

    /** One pass; returns how long until the next certificate (or the CA) is due. */
    Duration pass() {
        try {
            return run();
        } catch (SecretWriter.NotLeaderException e) {
            LOG.infof("certificate pass stopped: %s", e.getMessage());
            return setup.sweep();
        }
    }

    private Duration run() {
        boolean leading = mayWrite.getAsBoolean();
        CertificateAuthority ca = caStore.refresh(view.secret(setup.caNamespace(), setup.caSecret()), leading)
                .orElse(null);
        if (ca == null || !leading) {
            return ca == null ? Duration.ofSeconds(1) : setup.sweep();
        }
        Instant now = clock.instant();
        if (!setup.provision()) {
            return nextDue(now); // no Gateway secrets, but the CA (the webhook's issuer) stays kept
        }
        Facts facts = new Facts(view, settings);
        for (PlanEntry entry : Plan.of(facts, verified.check(ca.fingerprint(), now))) {
            carryOut(entry, ca);
        }
        reportUnreadable(facts);
        Set<String> demanded = new HashSet<>();
        for (CredentialDemand d : Demands.all(facts)) {
            demanded.add(d.namespace() + "/" + d.secretName());
        }
        verified.retainOnly(demanded);
        Set<String> retried = new HashSet<>(demanded);
        retried.add(caKey());
        backoff.retainOnly(retried);
        handleOrphans(demanded);
        return nextDue(now);
    }

    private void carryOut(PlanEntry entry, CertificateAuthority ca) {
        CredentialDemand demand = entry.demand();
        String key = entry.namespace() + "/" + entry.name();
        if (!backoff.ready(key, clock.instant())) {
            return;
        }
        long start = System.nanoTime();
        try {
            SecretWriter.Written<IssuanceReason> written = writer.change(entry.namespace(), entry.name(), read -> {
                // Decide again on what was just read: another replica or writer may have acted already.
                Optional<IssuanceReason> why = read.isEmpty() ? Optional.of(IssuanceReason.SECRET_MISSING)
                        : policy.judge(read, demand, ca.fingerprint(), clock.instant(), assessments).reason();
                return why.map(r -> new SecretWriter.Change<>(desired(demand, ca), r));
            });
            backoff.succeeded(key);
            switch (written.outcome()) {
                case CREATED, UPDATED -> {
                    boolean created = written.outcome() == SecretWriter.Outcome.CREATED;
                    metrics.issued(written.why(), System.nanoTime() - start);
                    LOG.infof("%s secret %s for %s: %s", created ? "created" : "renewed", key, demand.forResources(),
                            written.why().text());
                    events.issued(demand, created, written.why());
                }
                case UNMANAGED -> LOG.warnf("secret %s appeared without the %s label; left untouched", key,
                        ManagedSecret.MANAGED_LABEL);
                default -> {
                }
            }
        } catch (SecretWriter.NotLeaderException e) {
            throw e;
        } catch (RuntimeException e) {
            metrics.failed();
            Duration delay = backoff.failed(key, clock.instant());
            LOG.errorf("issuing secret %s failed (%s); next try in %s", key, e.getMessage(), delay);
        }
    }

    /**
     * GW314 as a Warning Event on the Gateway, once until it changes or is fixed: a secret provisioned where the
     * gateway's ServiceAccount may not read it is still broken (istiod will not serve it).
     */
    private void reportUnreadable(Facts facts) {
        Set<String> current = new HashSet<>();
        for (IstioGateway gw : facts.gateways()) {
            List<Diagnostic> found = new ArrayList<>();
            credentialAccess.check(gw.resource(), facts, found);
            for (Diagnostic d : found) {
                String text = "[" + d.code() + "] " + d.field() + ": " + (d.brief() != null ? d.brief() : d.message());
                current.add(d.resourceRef() + " " + text);
                if (unreadableReported.add(d.resourceRef() + " " + text)) {
                    LOG.warnf("%s %s", d.resourceRef(), text);
                    events.warning(d.object(), "CredentialUnreadable", text);
                }
            }
        }
        unreadableReported.retainAll(current);
    }

    private SecretWriter.Desired desired(CredentialDemand demand, CertificateAuthority ca) {
        CredentialDemand.Purpose purpose = demand.purpose();
        IssuedCertificate issued = issuer.issue(new LeafRequest(demand.dnsNames(), algorithm(demand),
                setup.lifetime(), purpose.client(), purpose.server()), ca, clock);
        return ManagedSecret.desired(demand, issued, ca, clock.instant());
    }

    private KeyAlgorithm algorithm(CredentialDemand demand) {
        String requested = demand.keyAlgorithm() != null ? demand.keyAlgorithm() : setup.defaultKeyAlgorithm();
        try {
            return KeyAlgorithm.parse(requested);
        } catch (IllegalArgumentException e) {
            LOG.warnf("%s on %s: %s; using %s", CredentialRef.KEY_ALGORITHM_ANNOTATION, demand.forResources(),
                    e.getMessage(), KeyAlgorithm.DEFAULT.label());
            return KeyAlgorithm.DEFAULT;
        }
    }

    /** Managed secrets nothing demands: annotated, and deleted only when configured. */
    private void handleOrphans(Set<String> demanded) {
        List<CertificateMetrics.Expiry> expiries = new ArrayList<>();
        String webhookKey = setup.caNamespace() + "/" + setup.webhookSecret();
        for (SecretData s : managedSecrets.get()) {
            String key = s.namespace() + "/" + s.name();
            if (key.equals(caKey()) || key.equals(webhookKey)) {
                continue; // Gatewarden's own: the CA, and the webhook's certificate (WebhookTls keeps it)
            }
            String notAfter = s.annotations().get(ManagedSecret.NOT_AFTER_ANNOTATION);
            if (notAfter != null) {
                expiries.add(new CertificateMetrics.Expiry(s.namespace(), s.name(), Instant.parse(notAfter)));
            }
            if (demanded.contains(key)) {
                continue;
            }
            try {
                if (setup.deleteOrphans()) {
                    writer.delete(s.namespace(), s.name());
                    LOG.infof("deleted orphaned secret %s: no Gateway names it any more", key);
                } else if (!s.annotations().containsKey(ManagedSecret.ORPHANED_SINCE_ANNOTATION)) {
                    writer.annotate(s.namespace(), s.name(), ManagedSecret.ORPHANED_SINCE_ANNOTATION,
                            clock.instant().toString());
                    LOG.infof("secret %s is orphaned: no Gateway names it (kept; set "
                            + "gatewarden.certificates.delete-orphans=true to delete)", key);
                }
            } catch (SecretWriter.NotLeaderException e) {
                throw e;
            } catch (RuntimeException e) {
                LOG.warnf("could not handle orphaned secret %s: %s", key, e.getMessage());
            }
        }
        metrics.managed(expiries);
    }

    /** The earliest of: a leaf's renewal time, a retry after a failure, the CA's rotation time; at most a sweep. */
    private Duration nextDue(Instant now) {
        Instant earliest = Stream.of(verified.nextRenewal(), backoff.nextAttempt(), caStore.nextAttempt(),
                        Optional.of(now.plus(setup.sweep())))
                .flatMap(Optional::stream).min(Instant::compareTo).orElseThrow();
        return Duration.between(now, earliest).isNegative() ? Duration.ZERO : Duration.between(now, earliest);
    }

    private String caKey() {
        return setup.caNamespace() + "/" + setup.caSecret();
    }

    /** How many Secrets the verified cache holds (tests, benchmarks). */
    int verifiedCount() {
        return verified.size();
    }

    /** The verified cache's check (tests, benchmarks). */
    VerifiedCache verifiedCache() {
        return verified;
    }
}
