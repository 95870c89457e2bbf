package io.gatewarden.webhook;

import io.gatewarden.config.GatewardenConfig;
import io.gatewarden.pki.CertificateAuthority;
import io.gatewarden.pki.CertificateIssuer;
import io.gatewarden.pki.IssuedCertificate;
import io.gatewarden.pki.KeyAlgorithm;
import io.gatewarden.pki.LeafRequest;
import io.quarkus.tls.runtime.KeyStoreAndKeyCertOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code gatewarden.webhook.tls=files}: the key store serves the PEM files, and a renewed pair once re-read. */
class ServingKeyStoreTest {
    static final CertificateAuthority CA = CertificateAuthority.create("ca", KeyAlgorithm.EC_P256, Duration.ofDays(30),
            Clock.systemUTC());

    /** A GatewardenConfig answering only what the key store asks: files mode and the two paths. */
    static GatewardenConfig filesConfig(Path crt, Path key) {
        Object tls = proxy(GatewardenConfig.Tls.class, Map.of("certFile", crt.toString(), "keyFile", key.toString()));
        Object webhook = proxy(GatewardenConfig.Webhook.class, Map.of("tls", GatewardenConfig.WebhookTls.FILES));
        return (GatewardenConfig) proxy(GatewardenConfig.class, Map.of("tls", tls, "webhook", webhook));
    }

    static Object proxy(Class<?> type, Map<String, Object> answers) {
        return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, method, args) -> {
            if (!answers.containsKey(method.getName())) {
                throw new UnsupportedOperationException(type.getSimpleName() + "." + method.getName());
            }
            return answers.get(method.getName());
        });
    }

    static IssuedCertificate write(Path crt, Path key, String name) throws Exception {
        IssuedCertificate c = new CertificateIssuer().issue(LeafRequest.server(List.of(name)), CA, Clock.systemUTC());
        Files.writeString(crt, c.certificatePem());
        Files.writeString(key, c.keyPem());
        return c;
    }

    static X509Certificate served(KeyStoreAndKeyCertOptions ks) throws Exception {
        X509ExtendedKeyManager km = (X509ExtendedKeyManager) ks.options.getKeyManagerFactory(null).getKeyManagers()[0];
        return km.getCertificateChain(km.chooseEngineServerAlias("EC", null, (SSLEngine) null))[0];
    }

    @Test
    void theFilesAreServedAndARenewedPairIsSwappedInByTheReRead(@TempDir Path dir) throws Exception {
        Path crt = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        IssuedCertificate first = write(crt, key, "gatewarden.gatewarden.svc");
        ServingKeyStore store = new ServingKeyStore();
        store.config = filesConfig(crt, key);
        KeyStoreAndKeyCertOptions ks = store.getKeyStore(null);
        assertEquals(first.certificate(), served(ks));
        assertTrue(store.problem().isEmpty(), "ready: " + store.problem());
        assertTrue(ks.keyStore.isKeyEntry(first.certificate().getSerialNumber().toString(16)));

        store.reloadFiles(); // unchanged: nothing happens
        assertEquals(first.certificate(), served(ks));

        IssuedCertificate renewed = write(crt, key, "gatewarden.gatewarden.svc");
        store.reloadFiles();
        // The same key manager (the one the HTTPS server holds) now serves the renewed certificate.
        assertEquals(renewed.certificate(), served(ks));
        assertEquals(renewed.certificate(), store.loaded().orElseThrow().leaf());

        Files.writeString(key, "broken");
        store.reloadFiles(); // a half-written pair is not served: the renewed one stays
        assertEquals(renewed.certificate(), served(ks));
    }
}
