package io.gatewarden.demands;

import io.gatewarden.cluster.SecretData;

import java.util.List;
import java.util.Optional;

/**
 * Why managed secrets that exist must be re-issued, or empty for those that are fine. {@link Plan#of}
 * asks all of a plan's questions at once, so that a check can share work across secrets (the
 * certificate manager parses them in parallel and tests all their keys in one batch).
 */
@FunctionalInterface
public interface RenewalCheck {

    /** A managed secret that exists, and the demand it must satisfy. */
    record Subject(SecretData secret, CredentialDemand demand) {
    }

    /** The reason for each subject, in order. */
    List<Optional<IssuanceReason>> reasons(List<Subject> subjects);
}
