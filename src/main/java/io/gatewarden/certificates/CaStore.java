package io.gatewarden.certificates;

import io.gatewarden.cluster.SecretData;
import io.gatewarden.pki.CertificateAuthority;
import io.gatewarden.pki.KeyAlgorithm;
import io.gatewarden.pki.Pem;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The issuing CA, kept in a Secret in Gatewarden's namespace: created on first start when
 * absent, rotated (by the leader) when it enters the last third of its life, the previous CA
 * kept in {@code previous.crt} so trust bundles keep it until it expires. A CA Secret the user
 * supplies (without the managed label) is loaded and never written.
 */
public final class CaStore {
    static final String PREVIOUS_CRT = "previous.crt";
    static final String CA_COMMON_NAME = "Gatewarden CA";

    private final SecretWriter writer;
    private final String namespace;
    private final String secretName;
    private final Duration lifetime;
    private final Clock clock;
    private volatile CertificateAuthority ca;
    private volatile String problem = "not loaded yet";

    public CaStore(SecretWriter writer, String namespace, String secretName, Duration lifetime, Clock clock) {
        this.writer = writer;
        this.namespace = namespace;
        this.secretName = secretName;
        this.lifetime = lifetime;
        this.clock = clock;
    }

    public Optional<CertificateAuthority> current() {
        return Optional.ofNullable(ca);
    }

    /** Why the CA is not usable, for readiness and logs; empty when it is. */
    public Optional<String> problem() {
        return ca == null ? Optional.of(problem) : Optional.empty();
    }

    /**
     * Loads the CA; when {@code mayWrite} (the leader), also creates it if absent and rotates a
     * managed one that is due. Never throws: a failure is kept in {@link #problem()}.
     */
    public synchronized Optional<CertificateAuthority> refresh(Optional<SecretData> stored, boolean mayWrite) {
        try {
            if (stored.isPresent() && !dueForRotation(stored.get())) {
                ca = load(stored.get());
            } else if (mayWrite) {
                writer.write(namespace, secretName, read -> read.isPresent() && !dueForRotation(read.get())
                        ? Optional.empty() : Optional.of(desired(read)));
                ca = null;
                problem = "CA secret " + namespace + "/" + secretName + " written; waiting to read it back";
            } else if (stored.isPresent()) {
                ca = load(stored.get()); // a follower keeps using the due CA until the leader rotates it
            } else {
                problem = "CA secret " + namespace + "/" + secretName + " does not exist yet (the leader creates it)";
            }
        } catch (SecretWriter.NotLeaderException e) {
            throw e; // the Lease ended mid-write: nothing is wrong with the CA
        } catch (RuntimeException e) {
            ca = null;
            problem = "CA secret " + namespace + "/" + secretName + " is unusable: " + e.getMessage();
        }
        return current();
    }

    /** Only a managed CA is rotated; a user-supplied one is the user's to renew. */
    boolean dueForRotation(SecretData s) {
        if (!s.managed() || s.value("tls.crt") == null) {
            return s.managed();
        }
        X509Certificate cert = load(s).certificate();
        Instant notBefore = cert.getNotBefore().toInstant();
        Instant notAfter = cert.getNotAfter().toInstant();
        Duration life = Duration.between(notBefore, notAfter);
        return !clock.instant().isBefore(notAfter.minus(life.dividedBy(3)));
    }

    private CertificateAuthority load(SecretData s) {
        byte[] cert = s.value("tls.crt");
        byte[] key = s.value("tls.key");
        if (cert == null || key == null) {
            throw new IllegalArgumentException("needs tls.crt and tls.key");
        }
        byte[] previous = s.value(PREVIOUS_CRT);
        return previous == null ? CertificateAuthority.load(cert, key) : CertificateAuthority.load(cert, key, previous);
    }

    private SecretWriter.Desired desired(Optional<SecretData> read) {
        CertificateAuthority next = read.filter(s -> s.value("tls.crt") != null)
                .map(s -> load(s).rotate(KeyAlgorithm.EC_P256, lifetime, clock))
                .orElseGet(() -> CertificateAuthority.create(CA_COMMON_NAME, KeyAlgorithm.EC_P256, lifetime, clock));
        Map<String, byte[]> data = new LinkedHashMap<>();
        data.put("tls.crt", ascii(Pem.encode(next.certificate())));
        data.put("tls.key", ascii(Pem.encode(next.key())));
        if (!next.previous().isEmpty()) {
            data.put(PREVIOUS_CRT, ascii(Pem.encode(next.previous().toArray(X509Certificate[]::new))));
        }
        return new SecretWriter.Desired(data, ManagedSecret.labels(),
                Map.of(ManagedSecret.NOT_AFTER_ANNOTATION, next.certificate().getNotAfter().toInstant().toString()));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
