package io.gatewarden.demands;

import io.gatewarden.model.Resource;

import java.util.List;

/**
 * One place where a Gateway server, a Gateway API listener (or a DestinationRule originating TLS) names
 * a credential, resolved to the namespace Istio will read it from. A server whose workloads run in two
 * namespaces yields two refs.
 *
 * @param field     {@code spec.servers[1].tls.credentialName}, {@code spec.listeners[0].tls.certificateRefs[0]}
 * @param namespace the gateway workload namespace (or the fallback when no workload is known); for a
 *                  Gateway API listener, the namespace of the certificateRef (the Gateway's by default)
 * @param dnsNames  the server hosts without their {@code ns/} prefix (a listener's hostname, wildcard
 *                  included), lower-cased, {@code *} skipped
 * @param mutual    MUTUAL or OPTIONAL_MUTUAL: the secret must also carry the client CA
 * @param fallback  true when no workload matched and {@code namespace} is the configured fallback
 * @param foreignNamespace set when {@code kubernetes://ns/name} names a namespace other than
 *                  {@code namespace}: Istio will not read it (GW312), and nothing is provisioned
 * @param permitted false for a Gateway API certificateRef into another namespace that no ReferenceGrant
 *                  opens: Istio will not read it (GA704), and nothing is provisioned
 * @param keyAlgorithm the owner's {@link #KEY_ALGORITHM_ANNOTATION}, or null
 * @param purpose   SERVER for a Gateway server's certificate, CLIENT for a DestinationRule's origination credential
 */
public record CredentialRef(Resource owner, String field, String namespace, String secretName, List<String> dnsNames,
                            boolean mutual, boolean fallback, String foreignNamespace, String keyAlgorithm,
                            CredentialDemand.Purpose purpose, boolean permitted) {

    /** Per-Gateway choice of leaf key algorithm (ecdsa-p256, rsa-2048, ...); null for the default. */
    public static final String KEY_ALGORITHM_ANNOTATION = "gatewarden.io/key-algorithm";


    /** Istio reads the Secret where this ref says, so it is checked there and may be provisioned there. */
    public boolean resolvable() {
        return foreignNamespace == null && permitted;
    }
}
