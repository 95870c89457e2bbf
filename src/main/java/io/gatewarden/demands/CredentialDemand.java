package io.gatewarden.demands;

import java.util.List;

/**
 * A Secret that must exist for the mesh to serve TLS: the union of every {@link CredentialRef}
 * naming it in that namespace. The same demands drive GW302's severity, analyze's plan and the
 * certificate manager.
 *
 * @param forResources {@code Kind/namespace/name} of every resource that needs it, sorted
 * @param keyAlgorithm requested leaf key algorithm (first Gateway, in name order, that asks), or null for the default
 */
public record CredentialDemand(String namespace, String secretName, List<String> dnsNames, boolean needsCa,
                               Purpose purpose, List<String> forResources, String keyAlgorithm) {

    /** What the certificate proves: a gateway server's name, an originating proxy's identity, or both. */
    public enum Purpose {
        SERVER, CLIENT, SERVER_AND_CLIENT;

        public boolean server() {
            return this != CLIENT;
        }

        public boolean client() {
            return this != SERVER;
        }

        static Purpose of(boolean server, boolean client) {
            return server && client ? SERVER_AND_CLIENT : client ? CLIENT : SERVER;
        }
    }
}
