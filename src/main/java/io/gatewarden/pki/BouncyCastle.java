package io.gatewarden.pki;

import java.security.Provider;
import java.security.Security;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The BouncyCastle provider, only for the rare cases the JDK providers cannot handle (e.g. keys on
 * curves the JDK dropped). Created lazily and never registered globally, so loading this library
 * does not change the process-wide provider list; an already registered "BC" is reused.
 */
final class BouncyCastle {

    private BouncyCastle() {
    }

    static Provider provider() {
        return Holder.PROVIDER;
    }

    private static final class Holder {
        static final Provider PROVIDER = load();

        private static Provider load() {
            Provider registered = Security.getProvider(BouncyCastleProvider.PROVIDER_NAME);
            return registered != null ? registered : new BouncyCastleProvider();
        }
    }
}
