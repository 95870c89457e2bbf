package io.gatewarden.cluster;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Which evaluations share a live listing (the per-review API bound itself is measured in ApiCallBoundIT). */
class SecretListingsTest {
    final AtomicLong clock = new AtomicLong(100);
    final List<String> calls = new ArrayList<>();
    final SecretListings listings = new SecretListings(ns -> {
        calls.add(ns);
        return Set.of("a-" + calls.size());
    }, Runnable::run, clock::get);

    @Test
    void oneListPerNamespaceAndEvaluationSharedWithEvaluationsBegunBefore() throws Exception {
        long reviewOne = clock.get();
        clock.addAndGet(10);
        long reviewTwo = clock.get();
        clock.addAndGet(10);
        var first = listings.since("istio-system", reviewTwo);
        for (int i = 0; i < 1000; i++) {
            assertSame(first, listings.since("istio-system", reviewTwo), "every miss of the review");
        }
        assertSame(first, listings.since("istio-system", reviewOne), "a review begun earlier shares it");
        assertEquals(List.of("istio-system"), calls);

        listings.since("other", reviewTwo);
        assertEquals(List.of("istio-system", "other"), calls, "one per namespace");

        clock.addAndGet(10);
        long reviewThree = clock.get(); // begun after the listing: it may predate a Secret made since
        var third = listings.since("istio-system", reviewThree);
        assertEquals(Set.of("a-3"), third.get());
        assertSame(third, listings.since("istio-system", reviewOne), "older reviews take the newest listing");
        assertEquals(3, calls.size());
    }
}
