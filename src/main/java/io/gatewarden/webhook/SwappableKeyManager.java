package io.gatewarden.webhook;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/**
 * The HTTPS server's key manager: every handshake asks it for the certificate, so a swapped-in certificate
 * is served from the next handshake on, without rebuilding the server's TLS context (Vert.x's
 * {@code updateSSLOptions} drops connections accepted while it rebuilds one). Each certificate gets its own
 * alias and the previous one stays resolvable, so a handshake that chose its alias just before a swap still
 * gets the chain and key of that alias.
 */
final class SwappableKeyManager extends X509ExtendedKeyManager {
    private record Entry(String alias, X509Certificate[] chain, PrivateKey key) {
    }

    private volatile Entry current;
    private volatile Entry previous;

    void use(String alias, X509Certificate[] chain, PrivateKey key) {
        Entry next = new Entry(alias, chain.clone(), key);
        synchronized (this) {
            previous = current;
            current = next;
        }
    }

    private Entry find(String alias) {
        Entry c = current;
        Entry p = previous;
        if (c != null && c.alias().equals(alias)) {
            return c;
        }
        return p != null && p.alias().equals(alias) ? p : null;
    }

    private String serverAlias(String keyType) {
        Entry c = current;
        return c != null && c.key().getAlgorithm().equalsIgnoreCase(keyType) ? c.alias() : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return serverAlias(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return serverAlias(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String alias = serverAlias(keyType);
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Entry e = find(alias);
        return e == null ? null : e.chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Entry e = find(alias);
        return e == null ? null : e.key();
    }

    // A server only: no client certificate.
    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return null;
    }
}
