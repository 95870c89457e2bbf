package io.gatewarden.certificates;

import io.gatewarden.pki.CertificateAuthority;
import io.gatewarden.pki.RenewalTime;

import java.time.Duration;
import java.time.Instant;

/**
 * The rate guard on writing the CA Secret, whatever would make Gatewarden want to: a due-time bug,
 * a clock jump, another writer (a GitOps tool restoring an old CA, an older Gatewarden during an
 * upgrade). A CA rotates when a third of its life is left, so two rotations are normally two thirds
 * of a lifetime apart; the guard allows no write before
 * <ul>
 *   <li>a third of the stored CA's own lifetime has passed since it was issued (read from the
 *       certificate, so it holds across restarts and replicas), and</li>
 *   <li>a third of the configured CA lifetime has passed since this process last wrote the CA
 *       (a stored CA that keeps being replaced behind its back); when the CA Secret is gone, it is
 *       created again after that third or {@link #RECREATE_FLOOR}, whichever is shorter, so deleting
 *       it to get a new CA keeps working.</li>
 * </ul>
 */
final class CaRotationGuard {
    static final Duration RECREATE_FLOOR = Duration.ofMinutes(1);

    private CaRotationGuard() {
    }

    /**
     * The first moment a CA write may happen.
     *
     * @param stored the CA in the Secret now, null when there is none
     * @param lastWrite when this process last wrote the CA Secret, null when never
     * @param lifetime the configured CA lifetime
     */
    static Instant openAt(CertificateAuthority stored, Instant lastWrite, Duration lifetime) {
        Instant open = Instant.MIN;
        if (stored != null) {
            Instant issued = RenewalTime.issuedAt(stored.certificate());
            Duration life = RenewalTime.lifetime(stored.certificate().getNotBefore().toInstant(),
                    stored.certificate().getNotAfter().toInstant());
            open = issued.plus(life.dividedBy(3));
        }
        if (lastWrite != null) {
            Duration gap = lifetime.dividedBy(3);
            if (stored == null && RECREATE_FLOOR.compareTo(gap) < 0) {
                gap = RECREATE_FLOOR;
            }
            Instant mine = lastWrite.plus(gap);
            open = mine.isAfter(open) ? mine : open;
        }
        return open;
    }
}
