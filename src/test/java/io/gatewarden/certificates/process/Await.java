package io.gatewarden.certificates.process;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Bounded polling. */
public final class Await {
    private Await() {
    }

    /**
     * Calls {@code probe} every {@code interval} until {@code done} accepts its value, returning that value;
     * fails with {@code what} and the last value after {@code timeout}.
     */
    public static <T> T until(String what, Duration timeout, Duration interval, Supplier<T> probe, Predicate<T> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last;
        while (true) {
            last = probe.get();
            if (done.test(last)) {
                return last;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not reached within " + timeout + "; last value: " + last);
            }
            GatewardenProcess.sleep(interval.toMillis());
        }
    }
}
