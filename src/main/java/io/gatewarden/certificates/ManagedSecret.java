package io.gatewarden.certificates;

import io.gatewarden.cluster.SecretData;
import io.gatewarden.demands.CredentialDemand;
import io.gatewarden.diagnostics.ObjectRef;
import io.gatewarden.pki.HostCoverage;
import io.gatewarden.pki.CertificateAuthority;
import io.gatewarden.pki.IssuedCertificate;
import io.gatewarden.pki.Pem;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The layout of the Secrets Gatewarden provisions (see shared/spec/interfaces.md, "Secrets that
 * Gatewarden manages"), and pure builders for their contents. The code that writes Secrets calls
 * these; nothing here talks to Kubernetes.
 */
public final class ManagedSecret {

    public static final String TYPE = "kubernetes.io/tls";

    /** The leaf certificate first, then its chain (PEM). */
    public static final String TLS_CRT = "tls.crt";
    /** The leaf's private key (unencrypted PKCS#8 PEM). */
    public static final String TLS_KEY = "tls.key";
    /** The CA certificates clients are verified against (PEM): the current CA, then older ones still valid. */
    public static final String CA_CRT = "ca.crt";

    /** Label {@code "true"} on every Secret Gatewarden may modify or delete; a Secret without it is never touched. */
    public static final String MANAGED_LABEL = SecretData.MANAGED_LABEL;

    /** The certificate's DNS names, comma-separated, lower-case, in certificate order. */
    public static final String DNS_NAMES_ANNOTATION = "gatewarden.io/dns-names";
    /** The certificate's notAfter, ISO-8601 UTC (e.g. {@code 2026-03-01T12:00:00Z}). */
    public static final String NOT_AFTER_ANNOTATION = "gatewarden.io/not-after";
    /** The resources that need this Secret, {@code Kind.group/namespace/name} ({@link ObjectRef#qualified()}), comma-separated. */
    public static final String FOR_ANNOTATION = "gatewarden.io/for";
    /** SHA-256 fingerprint (lower-case hex) of the CA certificate that issued tls.crt. */
    public static final String ISSUER_ANNOTATION = "gatewarden.io/issuer";
    /** Set when no resource needs the Secret any more (ISO-8601 UTC): when it became an orphan. */
    public static final String ORPHANED_SINCE_ANNOTATION = "gatewarden.io/orphaned-since";

    private ManagedSecret() {
    }

    /**
     * tls.crt (leaf then chain), tls.key and, when {@code includeCa}, ca.crt with the trust bundle
     * (e.g. {@code CertificateAuthority.trustBundle(now)}). In that order; unmodifiable.
     *
     * @throws IllegalArgumentException when {@code includeCa} and the trust bundle is empty
     */
    public static Map<String, byte[]> data(IssuedCertificate issued, List<X509Certificate> trustBundle,
                                           boolean includeCa) {
        Objects.requireNonNull(issued, "issued");
        Map<String, byte[]> data = new LinkedHashMap<>();
        data.put(TLS_CRT, ascii(issued.certificatePem()));
        data.put(TLS_KEY, ascii(issued.keyPem()));
        if (includeCa) {
            if (trustBundle == null || trustBundle.isEmpty()) {
                throw new IllegalArgumentException("ca.crt requested but the trust bundle is empty");
            }
            data.put(CA_CRT, ascii(Pem.encode(trustBundle.toArray(X509Certificate[]::new))));
        }
        return Collections.unmodifiableMap(data);
    }

    /** The annotations describing a freshly issued Secret: dns-names, not-after, for and issuer. */
    public static Map<String, String> annotations(CredentialDemand demand, IssuedCertificate issued,
                                                  String issuerFingerprint) {
        Objects.requireNonNull(demand, "demand");
        Objects.requireNonNull(issued, "issued");
        Objects.requireNonNull(issuerFingerprint, "issuerFingerprint");
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(DNS_NAMES_ANNOTATION, String.join(",", HostCoverage.dnsNames(issued.certificate())));
        annotations.put(NOT_AFTER_ANNOTATION, issued.notAfter().toString());
        annotations.put(FOR_ANNOTATION, String.join(",", (demand.forResources() == null ? List.<ObjectRef>of()
                : demand.forResources()).stream().map(ObjectRef::qualified).toList()));
        annotations.put(ISSUER_ANNOTATION, issuerFingerprint);
        return Collections.unmodifiableMap(annotations);
    }

    /**
     * What a managed Secret holds for {@code demand} once {@code issued} by {@code ca}: {@link #data} (ca.crt
     * only for a server certificate: a client-only secret must not tell Istio whom to trust), {@link #labels},
     * {@link #annotations}.
     */
    public static SecretWriter.Desired desired(CredentialDemand demand, IssuedCertificate issued, CertificateAuthority ca,
                                               java.time.Instant now) {
        return new SecretWriter.Desired(data(issued, ca.trustBundle(now), demand.purpose().server()), labels(),
                annotations(demand, issued, ca.fingerprint()));
    }

    /** {@code gatewarden.io/managed: "true"}. */
    public static Map<String, String> labels() {
        return Map.of(MANAGED_LABEL, "true");
    }

    private static byte[] ascii(String pem) {
        return pem.getBytes(StandardCharsets.US_ASCII);
    }
}
