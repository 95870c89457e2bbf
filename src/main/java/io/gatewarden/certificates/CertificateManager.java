package io.gatewarden.certificates;

import io.gatewarden.demands.RenewalPolicy;
import io.gatewarden.demands.IssuanceReason;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.gatewarden.cluster.InformerClusterView;
import io.gatewarden.cluster.SecretData;
import io.gatewarden.config.CertificateTimings;
import io.gatewarden.config.Durations;
import io.gatewarden.config.GatewardenConfig;
import io.gatewarden.config.Settings;
import io.gatewarden.demands.CredentialDemand;
import io.gatewarden.demands.Plan;
import io.gatewarden.demands.PlanEntry;
import io.gatewarden.demands.RenewalCheck;
import io.gatewarden.pki.CertificateAuthority;
import io.gatewarden.pki.CertificateIssuer;
import io.gatewarden.pki.IssuedCertificate;
import io.gatewarden.pki.KeyAlgorithm;
import io.gatewarden.pki.LeafRequest;
import io.gatewarden.facts.Facts;
import io.gatewarden.facts.RuleSettings;
import io.gatewarden.facts.SecretAssessments;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Makes every demanded credential exist and stay valid: on any cluster change and on a periodic
 * sweep it computes the {@link Plan} (the same one {@code analyze} prints) and carries it out.
 * Only the Lease holder writes; the other replicas keep answering admission and keep the CA loaded.
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

    Clock clock = Clock.systemUTC();
    private final Semaphore wake = new Semaphore(0);
    private final CertificateIssuer issuer = new CertificateIssuer();
    private final Backoff backoff = new Backoff();
    private final Map<String, VerifiedUntil> verified = new HashMap<>();
    /**
     * Threads judging Secrets besides the reconcile thread. Bounded (at most 4 at once) so that a
     * first pass over thousands of Secrets leaves CPU to admission reviews on a bigger node; idle
     * workers end after a minute, so between start-ups this costs no thread.
     */
    private static final int JUDGES = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    private static final ForkJoinPool JUDGE_POOL = new ForkJoinPool(Math.max(1, JUDGES - 1));
    /** Fewer Secrets than this per thread are not worth a hand-off. */
    private static final int MIN_SHARE = 128;
    /** Whether this replica may write Secrets now: the renewed Lease, or always without leader election. */
    private volatile BooleanSupplier mayWrite = () -> false;
    private volatile boolean running;
    private Thread worker;
    private volatile CompletableFuture<?> election;
    private LeaderLease lease;
    private CaStore caStore;
    private SecretWriter writer;
    private CertificateEvents events;
    private CertificateMetrics metrics;
    private RenewalPolicy policy;
    private RuleSettings settings;
    private SecretAssessments assessments;
    private CertificateTimings timings;

    /** A secret found fine for a demand stays fine, without re-parsing, until its renewal time. */
    private record VerifiedUntil(SecretData secret, CredentialDemand demand, String issuer, Instant renewAt) {
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.certificates().provision()) {
            LOG.info("certificate provisioning is off (gatewarden.certificates.provision=false)");
            return;
        }
        timings = Settings.certificateTimings(config); // checked at start-up (SettingsCheck)
        writer = new SecretWriter(client, () -> mayWrite.getAsBoolean());
        events = new CertificateEvents(client, config.identity());
        metrics = new CertificateMetrics(registry, clock);
        caStore = new CaStore(writer::write, config.namespace(), config.certificates().caSecret(), timings.caLifetime(),
                clock, backoff, new CaSignals(metrics, events, config.namespace(), config.certificates().caSecret()));
        settings = RuleSettings.from(config, clock);
        assessments = view.derived().get(SecretAssessments.DERIVATION);
        policy = new RenewalPolicy(settings.renewal());
        backoff.max = timings.backoffLimit();
        view.addListener(wake::release);
        running = true;
        worker = new Thread(this::loop, "gatewarden-certificates");
        worker.setDaemon(true);
        worker.start();
        if (config.certificates().leaderElection().enabled()) {
            GatewardenConfig.LeaderElection le = config.certificates().leaderElection();
            lease = new LeaderLease(new LeaseLock(config.namespace(), le.leaseName(), config.identity()),
                    Durations.parse(le.leaseDuration()), Durations.parse(le.renewDeadline()), registry, wake::release,
                    System::nanoTime, Clock.systemUTC());
            mayWrite = lease::mayWrite;
            startElection();
        } else {
            mayWrite = () -> true;
            Gauge.builder("gatewarden.certificates.leader", () -> 1).register(registry);
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        if (election != null) {
            election.cancel(true); // releases the Lease so another replica takes over at once
        }
        wake.release();
    }

    /** The issuing CA's state for the health check's data (not its status: admission does not need the CA). */
    public String caStatus() {
        return caStore == null ? "provisioning off" : caStore.status();
    }

    /** Whether this replica may write certificates now (readiness data, tests). */
    public boolean isLeader() {
        return mayWrite.getAsBoolean();
    }

    /**
     * Joins the election. fabric8 calls onStartLeading when it merely reads a Lease naming this replica,
     * even an expired one it cannot renew: that callback only wakes the loop, and "leads" is logged by
     * {@link LeaderLease} once the API server accepted the Lease write. Writes are allowed by the lease
     * alone ({@link LeaderLease#mayWrite}), never by a callback.
     */
    private void startElection() {
        GatewardenConfig.LeaderElection le = config.certificates().leaderElection();
        Duration retry = Durations.parse(le.retryPeriod());
        LeaderElector elector = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName(le.leaseName())
                .withLock(lease)
                .withLeaseDuration(Durations.parse(le.leaseDuration()))
                .withRenewDeadline(Durations.parse(le.renewDeadline()))
                .withRetryPeriod(retry)
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(wake::release, lease::lost,
                        id -> LOG.debugf("certificate leader is %s", id)))
                .build()).build();
        election = elector.start();
        // A fabric8 LeaderElector runs one election: after losing the Lease (GC pause, slow API
        // server) it is done. Rejoin with a new one, after a retry period so that an elector that
        // fails at once cannot spin, or this replica could never lead again.
        election.whenComplete((v, t) -> {
            lease.lost();
            if (running) {
                LOG.infof("%s rejoins the certificate leader election", config.identity());
                CompletableFuture.delayedExecutor(retry.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
                    if (running) {
                        startElection();
                    }
                });
            }
        });
    }

    private void loop() {
        Duration sweep = timings.sweepInterval();
        while (running) {
            Duration wait = sweep;
            try {
                if (view.allSynced()) {
                    wait = reconcile();
                }
            } catch (RuntimeException e) {
                LOG.errorf(e, "certificate reconcile failed; retrying");
                wait = Duration.ofSeconds(1);
            }
            try {
                long ms = Math.max(10, Math.min(wait.toMillis(), sweep.toMillis()));
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

    /** One pass; returns how long until the next certificate is due. */
    Duration reconcile() {
        try {
            return pass();
        } catch (SecretWriter.NotLeaderException e) {
            LOG.infof("certificate pass stopped: %s", e.getMessage());
            return Durations.parse(config.certificates().sweepInterval());
        }
    }

    private Duration pass() {
        CertificateAuthority ca = caStore.refresh(view.secret(config.namespace(), config.certificates().caSecret()),
                mayWrite.getAsBoolean()).orElse(null);
        if (ca == null || !mayWrite.getAsBoolean()) {
            return ca == null ? Duration.ofSeconds(1) : timings.sweepInterval();
        }
        Instant now = clock.instant();
        Facts facts = new Facts(view, settings);
        List<PlanEntry> plan = Plan.of(facts, renewalCheck(ca, now));
        for (PlanEntry entry : plan) {
            carryOut(entry, ca, facts);
        }
        Set<String> demanded = new HashSet<>();
        for (CredentialDemand d : io.gatewarden.demands.Demands.all(facts)) {
            demanded.add(d.namespace() + "/" + d.secretName());
        }
        verified.keySet().retainAll(demanded);
        handleOrphans(demanded);
        return nextDue(now);
    }

    /**
     * The check a pass plans with. A Secret found fine stays fine, without re-parsing, until its
     * renewal time (the verified-until cache), so the periodic sweep parses nothing. The others, which
     * after a start or a leader change is every Secret, are judged together: see {@link #judge}.
     */
    RenewalCheck renewalCheck(CertificateAuthority ca, Instant now) {
        String issuer = ca.fingerprint();
        return subjects -> cachedReasons(subjects, issuer, now);
    }

    private List<Optional<IssuanceReason>> cachedReasons(List<RenewalCheck.Subject> subjects, String issuer,
                                                        Instant now) {
        List<Optional<IssuanceReason>> reasons = new ArrayList<>(subjects.size());
        List<RenewalCheck.Subject> misses = new ArrayList<>();
        List<Integer> missAt = new ArrayList<>();
        for (RenewalCheck.Subject s : subjects) {
            if (stillVerified(s, issuer, now)) {
                reasons.add(Optional.empty());
            } else {
                missAt.add(reasons.size());
                reasons.add(null);
                misses.add(s);
            }
        }
        List<RenewalPolicy.Verdict> verdicts = judge(misses, issuer, now);
        for (int i = 0; i < misses.size(); i++) {
            RenewalCheck.Subject s = misses.get(i);
            RenewalPolicy.Verdict v = verdicts.get(i);
            reasons.set(missAt.get(i), v.reason());
            if (v.reason().isEmpty()) {
                verified.put(key(s.secret()), new VerifiedUntil(s.secret(), s.demand(), issuer, v.renewAt()));
            }
        }
        return reasons;
    }

    /** Same Secret object (informers replace it on any change), same demand and issuer, before renewal. */
    private boolean stillVerified(RenewalCheck.Subject s, String issuer, Instant now) {
        VerifiedUntil v = verified.get(key(s.secret()));
        return v != null && v.secret() == s.secret() && v.demand().equals(s.demand()) && v.issuer().equals(issuer)
                && now.isBefore(v.renewAt());
    }

    /**
     * {@link RenewalPolicy#checkAll} in up to {@link #JUDGES} shares at once: the checks are
     * independent and CPU bound (parsing, the batched key test), and after a start every Secret needs
     * one. This thread takes the first share; a short list stays on it.
     */
    private List<RenewalPolicy.Verdict> judge(List<RenewalCheck.Subject> subjects, String issuer, Instant now) {
        int shares = Math.min(JUDGES, subjects.size() / MIN_SHARE);
        if (shares <= 1) {
            return policy.judgeAll(subjects, assessments(), issuer, now);
        }
        List<CompletableFuture<List<RenewalPolicy.Verdict>>> others = new ArrayList<>();
        for (int k = 1; k < shares; k++) {
            List<RenewalCheck.Subject> share = share(subjects, k, shares);
            others.add(CompletableFuture.supplyAsync(() -> policy.judgeAll(share, assessments(), issuer, now), JUDGE_POOL));
        }
        List<RenewalPolicy.Verdict> verdicts = new ArrayList<>(policy.judgeAll(share(subjects, 0, shares), assessments(),
                issuer, now));
        for (CompletableFuture<List<RenewalPolicy.Verdict>> other : others) {
            verdicts.addAll(other.join());
        }
        return verdicts;
    }

    private SecretAssessments assessments() {
        return assessments;
    }

    private static <T> List<T> share(List<T> all, int k, int shares) {
        return all.subList(all.size() * k / shares, all.size() * (k + 1) / shares);
    }

    private static String key(SecretData secret) {
        return secret.namespace() + "/" + secret.name();
    }

    private void carryOut(PlanEntry entry, CertificateAuthority ca, Facts facts) {
        CredentialDemand demand = entry.demand();
        String key = entry.namespace() + "/" + entry.name();
        if (!backoff.ready(key, clock.instant())) {
            return;
        }
        long start = System.nanoTime();
        try {
            IssuanceReason[] reason = {entry.reason()};
            SecretWriter.Outcome outcome = writer.write(entry.namespace(), entry.name(), read -> {
                // Decide again on what was just read: another replica or writer may have acted already.
                Optional<IssuanceReason> why = read.isEmpty() ? Optional.of(IssuanceReason.SECRET_MISSING)
                        : policy.judge(read, demand, ca.fingerprint(), clock.instant(), assessments()).reason();
                why.ifPresent(r -> reason[0] = r);
                return why.map(r -> desired(demand, ca));
            });
            backoff.succeeded(key);
            switch (outcome) {
                case CREATED, UPDATED -> {
                    metrics.issued(reason[0], System.nanoTime() - start);
                    LOG.infof("%s secret %s for %s: %s", outcome == SecretWriter.Outcome.CREATED ? "created" : "renewed",
                            key, demand.forResources(), reason[0].text());
                    events.issued(demand, outcome == SecretWriter.Outcome.CREATED, reason[0]);
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

    private SecretWriter.Desired desired(CredentialDemand demand, CertificateAuthority ca) {
        KeyAlgorithm algorithm = algorithm(demand);
        CredentialDemand.Purpose purpose = demand.purpose();
        IssuedCertificate issued = issuer.issue(new LeafRequest(demand.dnsNames(), algorithm,
                timings.lifetime(), purpose.client(), purpose.server()), ca, clock);
        // A client-only secret gets no ca.crt: Istio would verify the external server against it,
        // and only the user knows that server's CA (<name>-cacert, EG609).
        return new SecretWriter.Desired(ManagedSecret.data(issued, ca.trustBundle(clock.instant()), purpose.server()),
                ManagedSecret.labels(), ManagedSecret.annotations(demand, issued, ca.fingerprint()));
    }

    private KeyAlgorithm algorithm(CredentialDemand demand) {
        String requested = demand.keyAlgorithm() != null ? demand.keyAlgorithm() : config.certificates().keyAlgorithm();
        try {
            return KeyAlgorithm.parse(requested);
        } catch (IllegalArgumentException e) {
            LOG.warnf("%s on %s: %s; using %s", io.gatewarden.demands.CredentialRef.KEY_ALGORITHM_ANNOTATION,
                    demand.forResources(), e.getMessage(), KeyAlgorithm.DEFAULT.label());
            return KeyAlgorithm.DEFAULT;
        }
    }

    /** Managed secrets nothing demands: annotated, and deleted only when configured. */
    private void handleOrphans(Set<String> demanded) {
        String caKey = config.namespace() + "/" + config.certificates().caSecret();
        List<CertificateMetrics.Expiry> expiries = new ArrayList<>();
        for (SecretData s : view.managedSecrets()) {
            String key = s.namespace() + "/" + s.name();
            if (key.equals(caKey)) {
                continue;
            }
            String notAfter = s.annotations().get(ManagedSecret.NOT_AFTER_ANNOTATION);
            if (notAfter != null) {
                expiries.add(new CertificateMetrics.Expiry(s.namespace(), s.name(), Instant.parse(notAfter)));
            }
            if (demanded.contains(key)) {
                continue;
            }
            try {
                if (config.certificates().deleteOrphans()) {
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

    /** The earliest of: a leaf's renewal time, a retry after a failure, the CA's rotation time. */
    private Duration nextDue(Instant now) {
        Instant next = verified.values().stream().map(VerifiedUntil::renewAt).min(Instant::compareTo)
                .orElse(now.plus(timings.sweepInterval()));
        Instant earliest = java.util.stream.Stream.of(Optional.of(next), backoff.nextAttempt(), caStore.nextAttempt())
                .flatMap(Optional::stream).min(Instant::compareTo).orElseThrow();
        return Duration.between(now, earliest).isNegative() ? Duration.ZERO : Duration.between(now, earliest);
    }

    /** Exponential back-off per secret after failed issuance: 1 s doubling up to the configured maximum. */
    static final class Backoff {
        Duration max = Duration.ofMinutes(5);
        private final Map<String, int[]> failures = new HashMap<>();
        private final Map<String, Instant> notBefore = new HashMap<>();

        boolean ready(String key, Instant now) {
            Instant t = notBefore.get(key);
            return t == null || !now.isBefore(t);
        }

        Duration failed(String key, Instant now) {
            int n = failures.computeIfAbsent(key, k -> new int[1])[0]++;
            Duration delay = Duration.ofSeconds(1L << Math.min(n, 20));
            delay = delay.compareTo(max) > 0 ? max : delay;
            notBefore.put(key, now.plus(delay));
            return delay;
        }

        void succeeded(String key) {
            failures.remove(key);
            notBefore.remove(key);
        }

        Optional<Instant> nextAttempt() {
            return notBefore.values().stream().min(Instant::compareTo);
        }

        Optional<Instant> readyAt(String key) {
            return Optional.ofNullable(notBefore.get(key));
        }
    }
}
