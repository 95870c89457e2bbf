package io.gatewarden.webhook;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.gatewarden.cluster.Objects;
import io.gatewarden.cluster.SecretData;
import io.gatewarden.config.GatewardenConfig;
import io.gatewarden.pki.CertificateAuthority;
import io.gatewarden.pki.KeyAlgorithm;
import io.gatewarden.pki.Pem;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.tls.runtime.KeyStoreAndKeyCertOptions;
import io.quarkus.tls.runtime.KeyStoreProvider;
import io.smallrye.common.annotation.Identifier;
import io.vertx.core.Vertx;
import io.vertx.core.net.KeyCertOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * The key store of the HTTPS port (TLS configuration {@value #TLS_CONFIGURATION}), which Quarkus asks once at
 * start-up. Its key manager is a {@link SwappableKeyManager}: {@link #use} changes the certificate of every
 * handshake from then on, and nothing else (open connections keep theirs, none is refused). With
 * {@code gatewarden.webhook.tls=files} it serves the PEM files, re-read every minute; with {@code self} the
 * Secret's certificate ({@link WebhookTls} swaps each new one in). Until the Secret has one, {@code self} serves a
 * throw-away self-signed certificate nobody trusts, and readiness stays down.
 */
@ApplicationScoped
@Identifier(ServingKeyStore.TLS_CONFIGURATION) // only: a @Default one would also become the management port's
public class ServingKeyStore implements KeyStoreProvider {
    public static final String TLS_CONFIGURATION = "serving";
    private static final Logger LOG = Logger.getLogger(ServingKeyStore.class);

    @Inject
    GatewardenConfig config;
    @Inject
    KubernetesClient client;

    Clock clock = Clock.systemUTC();
    private final SwappableKeyManager keyManager = new SwappableKeyManager();
    private volatile ServingMaterial current;
    private volatile boolean trusted;

    @Override
    public synchronized KeyStoreAndKeyCertOptions getKeyStore(Vertx vertx) {
        if (current == null) {
            ServingMaterial first = files() ? fromFiles() : fromSecretOrThrowAway();
            keyManager.use(first.alias(), first.chain().toArray(X509Certificate[]::new), first.key());
            current = first;
        }
        return new KeyStoreAndKeyCertOptions(keyStore(current), KeyCertOptions.wrap(keyManager));
    }

    /** The certificate in use, when it is a real one (from the files or the Secret). */
    public Optional<ServingMaterial> loaded() {
        return trusted ? Optional.ofNullable(current) : Optional.empty();
    }

    /** Why the HTTPS port is not serving a usable certificate, for readiness; empty when it is. */
    public Optional<String> problem() {
        ServingMaterial m = current;
        if (!trusted || m == null) {
            return Optional.of("waiting for a serving certificate in Secret " + config.namespace() + "/"
                    + config.webhook().secret() + " (the certificate leader issues it)");
        }
        if (!clock.instant().isBefore(m.leaf().getNotAfter().toInstant())) {
            return Optional.of("the serving certificate expired at " + m.leaf().getNotAfter().toInstant());
        }
        return Optional.empty();
    }

    /** Serves {@code material} from the next handshake on. */
    public synchronized void use(ServingMaterial material) {
        keyManager.use(material.alias(), material.chain().toArray(X509Certificate[]::new), material.key());
        current = material;
        trusted = true;
        LOG.infof("serving certificate now %s", material);
    }

    /** files: a renewed certificate (cert-manager, a re-created Secret) is served within a minute. */
    @Scheduled(every = "60s", delayed = "60s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void reloadFiles() {
        if (!files() || current == null) {
            return;
        }
        try {
            ServingMaterial read = fromFiles();
            if (!Arrays.equals(read.certificatePem(), current.certificatePem())
                    || !Arrays.equals(read.keyPem(), current.keyPem())) {
                use(read);
            }
        } catch (RuntimeException e) {
            LOG.errorf("keeping the serving certificate in use: %s", e.getMessage());
        }
    }

    private boolean files() {
        return config.webhook().tls() == GatewardenConfig.WebhookTls.FILES;
    }

    private ServingMaterial fromFiles() {
        GatewardenConfig.Tls files = config.tls();
        try {
            ServingMaterial m = ServingMaterial.of(Files.readAllBytes(Paths.get(files.certFile())),
                    Files.readAllBytes(Paths.get(files.keyFile())), files.certFile() + " and " + files.keyFile(),
                    clock.instant());
            trusted = true;
            return m;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the serving certificate (gatewarden.tls.cert-file/key-file): "
                    + e.getMessage(), e);
        }
    }

    /** The Secret as it is now (one GET: a restart serves the real certificate at once), else a throw-away one. */
    private ServingMaterial fromSecretOrThrowAway() {
        String where = "Secret " + config.namespace() + "/" + config.webhook().secret();
        try {
            Secret s = client.secrets().inNamespace(config.namespace()).withName(config.webhook().secret()).get();
            if (s != null) {
                SecretData d = Objects.secret(s);
                ServingMaterial m = ServingMaterial.of(d.value("tls.crt"), d.value("tls.key"), where, clock.instant());
                trusted = true;
                return m;
            }
        } catch (RuntimeException e) {
            LOG.infof("no usable serving certificate in %s yet (%s)", where, e.getMessage());
        }
        LOG.infof("serving a temporary certificate until %s has one", where);
        CertificateAuthority self = CertificateAuthority.create("gatewarden temporary serving certificate",
                KeyAlgorithm.EC_P256, Duration.ofDays(1), clock);
        return ServingMaterial.of(Pem.encode(self.certificate()).getBytes(StandardCharsets.US_ASCII),
                Pem.encode(self.key()).getBytes(StandardCharsets.US_ASCII), "a temporary self-signed certificate",
                clock.instant());
    }

    /** What Quarkus reports as the configuration's key store: the certificate served at start-up. */
    private static KeyStore keyStore(ServingMaterial m) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry(m.alias(), m.key(), new char[0], m.chain().toArray(X509Certificate[]::new));
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot hold the serving certificate in a key store: " + e.getMessage(), e);
        }
    }
}
