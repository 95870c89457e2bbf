package io.gatewarden.demands;

import io.gatewarden.certificates.IssuanceReason;
import io.gatewarden.cluster.SecretData;

import java.util.Optional;

/** Why a managed secret that exists must be re-issued, or empty when it is fine. */
@FunctionalInterface
public interface RenewalCheck {
    Optional<IssuanceReason> reason(SecretData managedSecret, CredentialDemand demand);
}
