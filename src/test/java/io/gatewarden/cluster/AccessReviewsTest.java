package io.gatewarden.cluster;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** When a SubjectAccessReview is asked (the count against a real API server is in AccessReviewIT). */
class AccessReviewsTest {
    final AtomicLong clock = new AtomicLong();
    final List<String> asked = Collections.synchronizedList(new ArrayList<>());
    final AtomicBoolean allowed = new AtomicBoolean(false);
    final AtomicBoolean failing = new AtomicBoolean(false);
    final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    final AccessReviews reviews = new AccessReviews((ns, sa) -> {
        asked.add(ns + "/" + sa);
        if (failing.get()) {
            throw new IllegalStateException("forbidden");
        }
        return allowed.get() ? SecretAccess.allowed("role") : SecretAccess.denied("no role");
    }, Runnable::run, scheduler, clock::get);
    final Duration wait = Duration.ofSeconds(5);

    @Test
    void askedOncePerServiceAccountUntilRbacChanges() throws Exception {
        for (int i = 0; i < 100; i++) {
            assertEquals(SecretAccess.Answer.DENIED, reviews.get("istio-system", "gw", wait).answer());
        }
        reviews.get("edge", "gw", wait);
        assertEquals(List.of("istio-system/gw", "edge/gw"), asked, "one question per (namespace, ServiceAccount)");

        allowed.set(true);
        reviews.rbacChanged();
        reviews.rbacChanged(); // a burst: one refresh round
        assertEquals(SecretAccess.Answer.ALLOWED, reviews.get("istio-system", "gw", wait).answer(),
                "a review after an RBAC change sees the new answer");
        scheduler.shutdown();
        scheduler.awaitTermination(5, TimeUnit.SECONDS);
        assertEquals(6, asked.size(), "each kept answer asked again in the round after the change, and once "
                + "more when the authorizer has settled: " + asked);
        reviews.get("istio-system", "gw", wait);
        reviews.get("edge", "gw", wait);
        assertEquals(6, asked.size());
    }

    @Test
    void aFailedQuestionIsNotAskedOnEveryReview() {
        failing.set(true);
        for (int i = 0; i < 10; i++) {
            assertEquals(SecretAccess.Answer.UNKNOWN, reviews.get("istio-system", "gw", wait).answer());
        }
        assertEquals(1, asked.size());
        failing.set(false);
        clock.addAndGet(AccessReviews.RETRY_FAILED.toNanos());
        assertEquals(SecretAccess.Answer.DENIED, reviews.get("istio-system", "gw", wait).answer(), "asked again later");
        assertEquals(2, asked.size());
    }
}
