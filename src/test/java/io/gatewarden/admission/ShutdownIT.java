package io.gatewarden.admission;

import io.gatewarden.certificates.process.GatewardenProcess;
import io.gatewarden.certificates.process.ProcessTestBase;
import io.gatewarden.certificates.process.ReviewConnection;
import io.gatewarden.kube.ShutdownTimings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGTERM, as the kubelet sends it when a pod is deleted, with reviews in flight: their headers and half their
 * body are on the wire when the signal comes, the rest follows during the drain delay for one half and after
 * it (when the server is already shutting down) for the other. Every one gets its verdict; readiness goes down
 * first while the port keeps answering; the process ends within the Deployment's grace period.
 */
class ShutdownIT extends ProcessTestBase {
    static final int IN_FLIGHT = 8;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void reviewsInFlightAtSigtermAllGetTheirVerdictAndTheProcessExitsWithinTheGracePeriod() throws Exception {
        ShutdownTimings shipped = ShutdownTimings.shipped();
        Duration delay = shipped.delay();
        Duration grace = shipped.grace();

        GatewardenProcess p = GatewardenProcess.start(cluster.kubeconfigPath(), "shutdown-" + run, "ShutdownIT.log",
                Map.of("gatewarden.certificates.leader-election.lease-name", "shutdown-it-" + run));
        processes.add(p);
        p.awaitReady(Duration.ofSeconds(120));
        SSLContext tls = ReviewConnection.trusting(Paths.get("certs-test", "ca.crt"));

        List<SlowReview> inFlight = new ArrayList<>();
        for (int i = 0; i < IN_FLIGHT; i++) {
            inFlight.add(new SlowReview(tls, p.httpsPort(), "in-flight-" + i));
        }
        Thread.sleep(300); // the server has the headers and half of each body
        long sigterm = System.nanoTime();
        p.terminate();

        p.awaitHealth(Duration.ofSeconds(2), h -> !h.ready(), "not ready after SIGTERM");
        long notReadyMs = (System.nanoTime() - sigterm) / 1_000_000;
        // Still answering while not ready: a client that has not moved yet gets its verdict.
        SlowReview late = new SlowReview(tls, p.httpsPort(), "during-delay");
        late.finish();

        // Half finish during the delay, half once it is over (the server then waits for them before closing).
        for (int i = 0; i < IN_FLIGHT / 2; i++) {
            inFlight.get(i).finish();
        }
        long afterDelay = delay.toMillis() + 1500 - (System.nanoTime() - sigterm) / 1_000_000;
        Thread.sleep(Math.max(0, afterDelay));
        for (int i = IN_FLIGHT / 2; i < IN_FLIGHT; i++) {
            inFlight.get(i).finish();
        }

        int exit = p.awaitExit(grace); // fails with the log's tail when still running

        long exitMs = (System.nanoTime() - sigterm) / 1_000_000;
        List<String> answers = new ArrayList<>();
        for (SlowReview r : inFlight) {
            answers.add(r.uid + " " + r.status + " allowed=" + r.allowed);
        }
        System.out.printf("[ShutdownIT] not ready %d ms after SIGTERM; %d reviews in flight answered %s; "
                + "exit %s after %d ms (delay %s, grace %s)%n", notReadyMs, IN_FLIGHT, answers, exit, exitMs, delay, grace);

        assertEquals(200, late.status, "a review during the delay: " + late.response);
        assertTrue(late.connectionClose, "a review arriving after SIGTERM is answered with Connection: close, so its "
                + "client reconnects (to another replica once the endpoints have dropped this one)");
        for (SlowReview r : inFlight) {
            assertEquals(200, r.status, r.uid + ": " + r.response);
            assertTrue(r.response.contains("\"uid\":\"" + r.uid + "\""), r.uid + " echoed: " + r.response);
            assertTrue(r.response.contains("GW201"), r.uid + " judged (an HTTPS server without tls): " + r.response);
            assertFalse(r.allowed, r.uid);
        }
        assertTrue(exitMs >= delay.toMillis(), "exited after " + exitMs + " ms, before the drain delay " + delay);
    }

    /** One review on its own connection: headers and half the body now, the rest in {@link #finish}. */
    static final class SlowReview {
        final String uid;
        final byte[] body;
        final ReviewConnection connection;
        int status = -1;
        boolean allowed;
        boolean connectionClose;
        String response = "";

        SlowReview(SSLContext tls, int port, String uid) throws IOException {
            this.uid = uid;
            this.body = ReviewConnection.gatewayWithoutTls(uid);
            connection = new ReviewConnection(tls, port);
            connection.start(body, body.length / 2);
        }

        void finish() {
            try (connection) {
                ReviewConnection.Answer a = connection.finish(body, body.length / 2);
                status = a.status();
                connectionClose = a.connectionClose();
                response = a.body();
                allowed = response.contains("\"allowed\":true");
            } catch (IOException | RuntimeException e) {
                response = "no answer: " + e;
            }
        }
    }
}
