package io.gatewarden.certificates;

import io.gatewarden.cluster.SecretData;
import io.gatewarden.config.Durations;
import io.gatewarden.pki.CertificateAuthority;
import io.gatewarden.pki.KeyAlgorithm;
import io.gatewarden.pki.Pem;
import io.gatewarden.pki.RenewalTime;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The issuing CA, kept in a Secret in Gatewarden's namespace: created on first start when absent,
 * rotated (by the leader) when a third of its life is left, measured from issuance like a leaf's
 * ({@link RenewalTime#due}), the previous CA kept in {@code previous.crt} so trust bundles keep it
 * until it expires. A CA Secret the user supplies (without the managed label) is loaded and never
 * written. Writes pass the {@link CaRotationGuard}; a refused write keeps the CA in use, logs an
 * ERROR and tells the {@link Listener} (metric, Event) once per episode. A failed write keeps the CA
 * in use too and is retried with the manager's back-off.
 *
 * <p>The CA being unusable stops issuance, never admission; after {@link #UNAVAILABLE_WARNING} it is
 * logged at WARN (again every {@link #UNAVAILABLE_REPEAT}) and reported to the listener.
 */
public final class CaStore {
    private static final Logger LOG = Logger.getLogger(CaStore.class);
    static final String PREVIOUS_CRT = "previous.crt";
    static final String CA_COMMON_NAME = "Gatewarden CA";
    /** Rotate when this share of the CA's life is left. */
    static final BigDecimal ROTATE_FRACTION = BigDecimal.ONE.divide(BigDecimal.valueOf(3), 20, RoundingMode.HALF_UP);
    static final Duration UNAVAILABLE_WARNING = Duration.ofSeconds(30);
    static final Duration UNAVAILABLE_REPEAT = Duration.ofMinutes(10);

    /** {@link SecretWriter#write}; an in-memory store in tests. */
    interface Writes {
        SecretWriter.Outcome write(String namespace, String name,
                                   Function<Optional<SecretData>, Optional<SecretWriter.Desired>> decide);
    }

    /** What the store reports besides its log: the manager turns it into metrics and Events. */
    interface Listener {
        void written(boolean created, CertificateAuthority ca);

        /** The rate guard refused a write: once per episode. */
        void refused(String message);

        /** The CA has been unusable for {@link #UNAVAILABLE_WARNING}; repeated every {@link #UNAVAILABLE_REPEAT}. */
        void unavailable(String message);

        /** After every refresh: is a CA loaded? */
        void available(boolean available);
    }

    private enum Need { USE, CREATE, ROTATE }

    /** What a Secret asks for, and its CA when it has a usable one. */
    private record Judged(Need need, CertificateAuthority ca, boolean managed) {
    }

    private final Writes writes;
    private final String namespace;
    private final String secretName;
    private final String key;
    private final Duration lifetime;
    private final Clock clock;
    private final Backoff backoff;
    private final Listener listener;
    private volatile CertificateAuthority ca;
    private volatile Instant rotationDue;
    private volatile String problem = "not loaded yet";
    private volatile Instant refusedUntil;
    private Instant lastWrite;
    private Instant unavailableSince;
    private Instant lastWarning;
    private SecretData loadedFrom;
    private CertificateAuthority loaded;

    CaStore(Writes writes, String namespace, String secretName, Duration lifetime, Clock clock,
            Backoff backoff, Listener listener) {
        this.writes = writes;
        this.namespace = namespace;
        this.secretName = secretName;
        this.key = namespace + "/" + secretName;
        this.lifetime = lifetime;
        this.clock = clock;
        this.backoff = backoff;
        this.listener = listener;
    }

    public Optional<CertificateAuthority> current() {
        return Optional.ofNullable(ca);
    }

    /** Why the CA is not usable, for the health data and logs; empty when it is. */
    public Optional<String> problem() {
        return ca == null ? Optional.of(problem) : Optional.empty();
    }

    /** The CA's state in a few words, for the health check's data. */
    public String status() {
        Instant refused = refusedUntil;
        return problem().orElse(refused == null ? "loaded" : "loaded; rotation refused by the rate guard until " + refused);
    }

    /**
     * When the leader must look at the CA again without any event: the rotation time of the managed CA
     * in use, not before a refused write may be retried or a failed one is due again. Empty for a
     * user-supplied CA or none.
     */
    public Optional<Instant> nextAttempt() {
        Instant due = rotationDue;
        if (due == null) {
            return Optional.empty();
        }
        Instant at = latest(due, refusedUntil);
        return Optional.of(latest(at, backoff.readyAt(key).orElse(null)));
    }

    /**
     * Loads the CA; when {@code mayWrite} (the leader), also creates it if absent and rotates a managed
     * one that is due, as far as the {@link CaRotationGuard} allows. Never throws: a failure is kept in
     * {@link #problem()}.
     */
    public synchronized Optional<CertificateAuthority> refresh(Optional<SecretData> stored, boolean mayWrite) {
        Instant now = clock.instant();
        Judged judged = null;
        try {
            judged = judge(stored, now);
            use(judged);
            if (judged.need() == Need.CREATE) {
                problem = "CA secret " + key + (stored.isEmpty() ? " does not exist yet" : " holds no CA yet")
                        + (mayWrite ? "" : " (the leader creates it)");
            }
            if (judged.need() == Need.USE) {
                refusedUntil = null;
                backoff.succeeded(key); // someone else wrote it: no retry pending
            } else if (mayWrite && (refusedUntil == null || !now.isBefore(refusedUntil)) && backoff.ready(key, now)) {
                write(now);
            }
        } catch (SecretWriter.NotLeaderException e) {
            throw e; // the Lease ended mid-write: nothing is wrong with the CA
        } catch (RuntimeException e) {
            if (judged == null) {
                use(new Judged(Need.USE, null, false));
            }
            problem = "CA secret " + key + " is unusable: " + e.getMessage();
        }
        watchAvailability(now);
        return current();
    }

    private void use(Judged judged) {
        ca = judged.ca();
        rotationDue = judged.ca() != null && judged.managed() ? dueAt(judged.ca()) : null;
    }

    /** Writes the new or rotated CA, deciding again on the Secret as just read. */
    private void write(Instant now) {
        Judged[] read = {null};
        CertificateAuthority[] next = {null};
        Instant[] refused = {null};
        try {
            SecretWriter.Outcome outcome = writes.write(namespace, secretName, secret -> {
                Judged j = judge(secret, now);
                read[0] = j;
                next[0] = null;
                refused[0] = null;
                if (j.need() == Need.USE) {
                    return Optional.empty(); // another replica, or the informer lagging behind our own write
                }
                Instant open = CaRotationGuard.openAt(j.ca(), lastWrite, lifetime);
                if (now.isBefore(open)) {
                    refused[0] = open;
                    return Optional.empty();
                }
                next[0] = j.ca() == null
                        ? CertificateAuthority.create(CA_COMMON_NAME, KeyAlgorithm.EC_P256, lifetime, clock)
                        : j.ca().rotate(KeyAlgorithm.EC_P256, lifetime, clock);
                return Optional.of(desired(next[0]));
            });
            backoff.succeeded(key);
            switch (outcome) {
                case CREATED, UPDATED -> written(outcome == SecretWriter.Outcome.CREATED, next[0], read[0], now);
                case UNCHANGED -> {
                    if (read[0] != null) {
                        use(read[0]);
                    }
                    if (refused[0] != null) {
                        refuse(read[0], refused[0], now);
                    } else {
                        refusedUntil = null;
                    }
                }
                default -> LOG.infof("CA secret %s is no longer managed (no %s label): only read from now on", key,
                        ManagedSecret.MANAGED_LABEL);
            }
        } catch (RuntimeException e) {
            Duration delay = backoff.failed(key, now);
            problem = "writing CA secret " + key + " failed: " + e.getMessage();
            LOG.errorf("writing CA secret %s failed (%s); %s; next try in %s", key, e.getMessage(),
                    ca == null ? "no CA to issue with meanwhile" : "issuing with the current CA meanwhile", delay);
        }
    }

    private void written(boolean created, CertificateAuthority next, Judged before, Instant now) {
        lastWrite = now;
        refusedUntil = null;
        use(new Judged(Need.USE, next, true));
        LOG.infof("%s CA secret %s: %s, valid until %s, rotation due %s%s", created ? "created" : "rotated", key,
                next.fingerprint(), next.certificate().getNotAfter().toInstant(), rotationDue,
                before != null && before.ca() != null ? "; previous CA " + before.ca().fingerprint() + " kept in "
                        + PREVIOUS_CRT + " until it expires" : "");
        listener.written(created, next);
    }

    private void refuse(Judged stored, Instant open, Instant now) {
        boolean first = refusedUntil == null;
        refusedUntil = open;
        if (!first) {
            return;
        }
        String message = "CA rotation storm stopped: CA secret " + key + " "
                + (stored.need() == Need.CREATE ? "is missing again" : "is due for rotation again")
                + (lastWrite != null ? " " + Durations.format(Duration.between(lastWrite, now))
                        + " after this replica wrote it" : "")
                + (stored.ca() != null ? "; its CA was issued " + RenewalTime.issuedAt(stored.ca().certificate()) : "")
                + ". Gatewarden writes a CA at most once per third of its lifetime; not writing it before " + open
                + " and issuing with " + (ca != null ? "the CA in the secret" : "no CA (none is usable)")
                + " meanwhile. Check what else writes or deletes the secret, and the clock.";
        LOG.error(message);
        listener.refused(message);
    }

    private void watchAvailability(Instant now) {
        boolean available = ca != null;
        listener.available(available);
        if (available) {
            if (lastWarning != null) {
                LOG.infof("issuing CA from secret %s usable again after %s", key,
                        Durations.format(Duration.between(unavailableSince, now)));
            }
            unavailableSince = null;
            lastWarning = null;
            return;
        }
        if (unavailableSince == null) {
            unavailableSince = now;
        }
        Duration out = Duration.between(unavailableSince, now);
        if (out.compareTo(UNAVAILABLE_WARNING) >= 0
                && (lastWarning == null || !now.isBefore(lastWarning.plus(UNAVAILABLE_REPEAT)))) {
            lastWarning = now;
            String message = "no usable issuing CA for " + Durations.format(out) + ": " + problem
                    + "; certificates are neither issued nor renewed meanwhile (admission is not affected)";
            LOG.warn(message);
            listener.unavailable(message);
        }
    }

    private Judged judge(Optional<SecretData> secret, Instant now) {
        if (secret.isEmpty()) {
            return new Judged(Need.CREATE, null, true);
        }
        SecretData s = secret.get();
        if (!s.managed()) {
            return new Judged(Need.USE, load(s), false); // the user's: only read
        }
        if (s.value("tls.crt") == null) {
            return new Judged(Need.CREATE, null, true);
        }
        CertificateAuthority c = load(s); // an unusable managed CA is reported, never overwritten
        return new Judged(now.isBefore(dueAt(c)) ? Need.USE : Need.ROTATE, c, true);
    }

    static Instant dueAt(CertificateAuthority ca) {
        return RenewalTime.due(ca.certificate(), ROTATE_FRACTION);
    }

    /** Parsed once per Secret version (the informer hands out a new object on every change). */
    private CertificateAuthority load(SecretData s) {
        if (s == loadedFrom) {
            return loaded;
        }
        byte[] cert = s.value("tls.crt");
        byte[] key = s.value("tls.key");
        if (cert == null || key == null) {
            throw new IllegalArgumentException("needs tls.crt and tls.key");
        }
        byte[] previous = s.value(PREVIOUS_CRT);
        CertificateAuthority c = previous == null ? CertificateAuthority.load(cert, key)
                : CertificateAuthority.load(cert, key, previous);
        loadedFrom = s;
        loaded = c;
        return c;
    }

    private SecretWriter.Desired desired(CertificateAuthority next) {
        Map<String, byte[]> data = new LinkedHashMap<>();
        data.put("tls.crt", ascii(Pem.encode(next.certificate())));
        data.put("tls.key", ascii(Pem.encode(next.key())));
        if (!next.previous().isEmpty()) {
            data.put(PREVIOUS_CRT, ascii(Pem.encode(next.previous().toArray(X509Certificate[]::new))));
        }
        return new SecretWriter.Desired(data, ManagedSecret.labels(),
                Map.of(ManagedSecret.NOT_AFTER_ANNOTATION, next.certificate().getNotAfter().toInstant().toString()));
    }

    private static Instant latest(Instant a, Instant b) {
        return b != null && b.isAfter(a) ? b : a;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
