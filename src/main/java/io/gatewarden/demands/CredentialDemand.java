package io.gatewarden.demands;

import io.gatewarden.diagnostics.ObjectRef;

import java.util.Comparator;
import java.util.List;

/**
 * A Secret that must exist for the mesh to serve TLS: the union of every {@link CredentialRef}
 * naming it in that namespace. The same demands drive GW302's severity, analyze's plan and the
 * certificate manager.
 *
 * @param forResources every resource that needs it, sorted by {@link #ORDER}
 * @param keyAlgorithm requested leaf key algorithm (first Gateway, in name order, that asks), or null for the default
 */
public record CredentialDemand(String namespace, String secretName, List<String> dnsNames, boolean needsCa,
                               Purpose purpose, List<ObjectRef> forResources, String keyAlgorithm) {

    /** The order of {@link #forResources}: as printed (Kind/namespace/name), then by group. */
    public static final Comparator<ObjectRef> ORDER = Comparator.comparing(ObjectRef::display)
            .thenComparing(ObjectRef::group);

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
