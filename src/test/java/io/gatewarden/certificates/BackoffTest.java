package io.gatewarden.certificates;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackoffTest {
    static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    @Test
    void failuresDoubleUpToTheLimitAndSuccessForgets() {
        Backoff b = new Backoff();
        b.max = Duration.ofSeconds(5);
        assertEquals(Duration.ofSeconds(1), b.failed("a", T0));
        assertEquals(Duration.ofSeconds(2), b.failed("a", T0));
        assertEquals(Duration.ofSeconds(4), b.failed("a", T0));
        assertEquals(Duration.ofSeconds(5), b.failed("a", T0));
        assertFalse(b.ready("a", T0.plusSeconds(4)));
        assertTrue(b.ready("a", T0.plusSeconds(5)));
        b.succeeded("a");
        assertEquals(Optional.empty(), b.nextAttempt());
        assertEquals(Duration.ofSeconds(1), b.failed("a", T0), "a success starts the doubling over");
    }

    /**
     * A secret that failed and is no longer demanded (its Gateway deleted, or another writer fixed it)
     * must not keep a retry time in the past: the loop would wake at once, for ever.
     */
    @Test
    void keysNothingAsksForAreForgotten() {
        Backoff b = new Backoff();
        b.failed("gone/tls", T0);
        b.failed("kept/tls", T0.plusSeconds(10));
        b.retainOnly(Set.of("kept/tls"));
        assertEquals(Optional.of(T0.plusSeconds(11)), b.nextAttempt());
        assertTrue(b.ready("gone/tls", T0));
    }
}
