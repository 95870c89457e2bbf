package io.gatewarden.cluster;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;

/**
 * The API server's answers to istiod's question "may this ServiceAccount list Secrets in its namespace?"
 * (GW314), asked with one SubjectAccessReview per (namespace, ServiceAccount) and kept until RBAC changes.
 * Every change to a Role, RoleBinding, ClusterRole or ClusterRoleBinding makes all answers stale; they are
 * asked again in the background at once (a burst of changes, one round), and once more {@link #SETTLE} later,
 * because the API server's authorizer learns of the change through its own watch and may answer from the old
 * state for a moment. A review that meets a stale or missing answer joins the question in flight instead of
 * asking its own. So once an answer is cached a review costs no API call, and a fixed Role is seen within a
 * round trip of its watch event (at worst {@link #SETTLE}).
 * A failed question (the API server unreachable, Gatewarden not allowed to ask) answers UNKNOWN, is logged
 * by the caller, and is asked again after {@link #RETRY_FAILED}, never on every review.
 */
final class AccessReviews {
    static final Duration RETRY_FAILED = Duration.ofMinutes(1);
    /** Changes usually come in bursts (a chart applies a Role and its binding): one refresh round for them. */
    static final Duration REFRESH_DELAY = Duration.ofMillis(100);
    static final Duration SETTLE = Duration.ofSeconds(2);

    private record Key(String namespace, String serviceAccount) {
    }

    private record Entry(long generation, long askedAt, CompletableFuture<SecretAccess> answer) {
    }

    private final Map<Key, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong generation = new AtomicLong();
    private final AtomicBoolean refreshScheduled = new AtomicBoolean();
    private final AtomicBoolean settleScheduled = new AtomicBoolean();
    private final BiFunction<String, String, SecretAccess> ask;
    private final Executor executor;
    private final ScheduledExecutorService scheduler;
    private final LongSupplier nanos;

    /**
     * @param ask       the API call: a SubjectAccessReview for (namespace, ServiceAccount); may throw
     * @param executor  where questions run
     * @param scheduler where the refresh after an RBAC change is scheduled
     */
    AccessReviews(BiFunction<String, String, SecretAccess> ask, Executor executor, ScheduledExecutorService scheduler,
                  LongSupplier nanos) {
        this.ask = ask;
        this.executor = executor;
        this.scheduler = scheduler;
        this.nanos = nanos;
    }

    /** The answer, waited for at most {@code timeout} (then UNKNOWN for this caller; the question goes on). */
    SecretAccess get(String namespace, String serviceAccount, Duration timeout) {
        CompletableFuture<SecretAccess> answer = current(new Key(namespace, serviceAccount));
        try {
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return SecretAccess.unknown("interrupted");
        } catch (Exception e) {
            return SecretAccess.unknown("no answer from the API server within " + timeout);
        }
    }

    /** An RBAC object changed: every answer is stale from now on, and is asked again shortly. */
    void rbacChanged() {
        generation.incrementAndGet();
        round(refreshScheduled, REFRESH_DELAY, false);
        round(settleScheduled, SETTLE, true);
    }

    /**
     * Asks every stale answer again after {@code delay} (with {@code again}, every answer), unless such a round is
     * already scheduled.
     */
    private void round(AtomicBoolean scheduled, Duration delay, boolean again) {
        if (scheduled.compareAndSet(false, true)) {
            scheduler.schedule(() -> {
                scheduled.set(false);
                if (again) {
                    generation.incrementAndGet();
                }
                entries.keySet().forEach(this::current);
            }, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** How many (namespace, ServiceAccount) answers are kept. */
    int size() {
        return entries.size();
    }

    private CompletableFuture<SecretAccess> current(Key key) {
        long now = generation.get();
        return entries.compute(key, (k, e) -> e != null && fresh(e, now) ? e
                : new Entry(now, nanos.getAsLong(), CompletableFuture.supplyAsync(() -> answer(k), executor))).answer();
    }

    private boolean fresh(Entry e, long now) {
        if (e.generation() != now) {
            return false;
        }
        SecretAccess done = e.answer().getNow(null);
        boolean failed = done != null && done.answer() == SecretAccess.Answer.UNKNOWN;
        return !failed || nanos.getAsLong() - e.askedAt() < RETRY_FAILED.toNanos();
    }

    private SecretAccess answer(Key k) {
        try {
            return ask.apply(k.namespace(), k.serviceAccount());
        } catch (RuntimeException e) {
            return SecretAccess.unknown("the SubjectAccessReview failed: " + e.getMessage());
        }
    }
}
