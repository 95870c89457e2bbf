package io.gatewarden.demands;

import io.gatewarden.demands.IssuanceReason;

import io.gatewarden.diagnostics.ObjectRef;

import java.util.List;

/**
 * What the certificate manager will do for one demand, and why: {@code create-secret} for a
 * missing secret, {@code renew-secret} for a managed one whose certificate must be re-issued.
 */
public record PlanEntry(String action, CredentialDemand demand, IssuanceReason reason) {

    public String namespace() {
        return demand.namespace();
    }

    public String name() {
        return demand.secretName();
    }

    public List<String> dnsNames() {
        return demand.dnsNames();
    }

    public List<ObjectRef> forResources() {
        return demand.forResources();
    }
}
