package io.gatewarden.demands;

import io.gatewarden.certificates.IssuanceReason;
import io.gatewarden.cluster.SecretData;

import java.util.List;
import java.util.Optional;

/** Why a managed secret that exists must be re-issued, or empty when it is fine. */
@FunctionalInterface
public interface RenewalCheck {
    Optional<IssuanceReason> reason(SecretData managedSecret, CredentialDemand demand);

    /** A managed secret that exists, and the demand it must satisfy. */
    record Subject(SecretData secret, CredentialDemand demand) {
    }

    /**
     * {@link #reason} of each subject, in order. {@link Plan#of} asks all of a plan's questions at
     * once this way, so that a check can share work across secrets (the certificate manager parses
     * them in parallel and tests all their keys in one batch).
     */
    default List<Optional<IssuanceReason>> reasons(List<Subject> subjects) {
        return subjects.stream().map(s -> reason(s.secret(), s.demand())).toList();
    }
}
