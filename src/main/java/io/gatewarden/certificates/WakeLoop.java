package io.gatewarden.certificates;

import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A thread that runs one pass at a time: when woken (a cluster change), when the pass said its next
 * work is due, and at least every {@code sweep}. A burst of wake-ups is coalesced into one pass. A
 * failing pass is logged and retried after a second. The certificate manager runs its reconcile on
 * one; anything else that must follow the cluster (an audit) can run on another.
 */
final class WakeLoop {
    private static final Logger LOG = Logger.getLogger(WakeLoop.class);
    /** How long to let a burst of events accumulate before a pass. */
    private static final long COALESCE_MS = 50;

    private final String name;
    private final Duration sweep;
    private final BooleanSupplier ready;
    private final Supplier<Duration> pass;
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean running;
    private Thread thread;

    /**
     * @param ready whether a pass may run now (caches synced); when not, the loop waits a sweep or a wake-up
     * @param pass  one pass; returns how long until its next work is due
     */
    WakeLoop(String name, Duration sweep, BooleanSupplier ready, Supplier<Duration> pass) {
        this.name = name;
        this.sweep = sweep;
        this.ready = ready;
        this.pass = pass;
    }

    void start() {
        running = true;
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    void stop() {
        running = false;
        wake.release();
    }

    /** Asks for a pass soon. */
    void wake() {
        wake.release();
    }

    private void run() {
        while (running) {
            Duration wait = sweep;
            try {
                if (ready.getAsBoolean()) {
                    wait = pass.get();
                }
            } catch (RuntimeException e) {
                LOG.errorf(e, "%s: pass failed; retrying", name);
                wait = Duration.ofSeconds(1);
            }
            try {
                long ms = Math.max(10, Math.min(wait.toMillis(), sweep.toMillis()));
                if (wake.tryAcquire(ms, TimeUnit.MILLISECONDS)) {
                    Thread.sleep(COALESCE_MS);
                    wake.drainPermits();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
