package io.gatewarden.certificates.process;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.gatewarden.cluster.Objects;
import io.gatewarden.cluster.SecretData;
import io.gatewarden.pki.HostCoverage;
import io.gatewarden.pki.KeyMatch;
import io.gatewarden.pki.Pem;

import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** Gateways that demand a credential, and the checks a provisioned Secret must pass. */
public final class ManagedSecrets {
    public static final String WORKLOAD_NS = "istio-system";
    public static final String CA_NAMESPACE = "gatewarden";
    public static final String CA_SECRET = "gatewarden-ca";
    /** CertificateIssuer.BACKDATE: every leaf's notBefore is one hour before it was issued. */
    public static final Duration BACKDATE = Duration.ofHours(1);

    private ManagedSecrets() {
    }

    /** An HTTPS Gateway selecting the ingress fixture, one host, one credentialName. */
    public static GenericKubernetesResource gateway(String namespace, String name, String credential, String host) {
        String yaml = gatewayYaml(namespace, name, credential, host);
        return Serialization.unmarshal(yaml, GenericKubernetesResource.class);
    }

    /** The same Gateway as YAML, for kubectl. */
    public static String gatewayYaml(String namespace, String name, String credential, String host) {
        return """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: %s, namespace: %s}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: 443, name: https, protocol: HTTPS}
                    hosts: [%s]
                    tls: {mode: SIMPLE, credentialName: %s}
                """.formatted(name, namespace, host, credential);
    }

    public static void createGateway(KubernetesClient client, GenericKubernetesResource gw) {
        client.genericKubernetesResources("networking.istio.io/v1", "Gateway")
                .inNamespace(gw.getMetadata().getNamespace()).resource(gw).create();
    }

    /**
     * The issuing CA certificate as stored in gatewarden/gatewarden-ca, waiting up to 30 s for the leader
     * to create it (readiness does not wait for the CA: admission does not need it).
     */
    public static X509Certificate issuingCa(KubernetesClient client) {
        return issuingCa(client, CA_SECRET);
    }

    /** The CA certificate of another CA Secret in gatewarden (gatewarden.certificates.ca-secret), waiting likewise. */
    public static X509Certificate issuingCa(KubernetesClient client, String secret) {
        Secret s = Await.until("CA secret " + CA_NAMESPACE + "/" + secret + " exists", Duration.ofSeconds(30),
                Duration.ofMillis(100), () -> client.secrets().inNamespace(CA_NAMESPACE).withName(secret).get(),
                java.util.Objects::nonNull);
        try {
            return Pem.certificates(Objects.secret(s).value("tls.crt")).get(0);
        } catch (Exception e) {
            throw new AssertionError("CA secret tls.crt unparsable: " + e.getMessage(), e);
        }
    }

    public static String fingerprint(X509Certificate cert) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static X509Certificate leaf(Secret s) throws Exception {
        return Pem.certificates(Objects.secret(s).value("tls.crt")).get(0);
    }

    /** The renewal time RenewalPolicy computes with the defaults: notAfter − (notAfter − notBefore − 1 h) / 3. */
    public static Instant renewalTime(X509Certificate cert) {
        Instant notAfter = cert.getNotAfter().toInstant();
        Duration span = Duration.between(cert.getNotBefore().toInstant(), notAfter);
        Duration lifetime = span.compareTo(BACKDATE) > 0 ? span.minus(BACKDATE) : span;
        return notAfter.minus(Duration.ofNanos(Math.round(lifetime.toNanos() / 3.0)));
    }

    /** When the leaf was issued (its notBefore is back-dated one hour; whole seconds). */
    public static Instant issuedAt(X509Certificate cert) {
        return cert.getNotBefore().toInstant().plus(BACKDATE);
    }

    /**
     * Everything wrong with a provisioned Secret (empty when it is complete and usable at {@code now}):
     * managed label, type kubernetes.io/tls, tls.crt parses and verifies against the first certificate of
     * ca.crt which is {@code ca}, is valid at {@code now}, covers {@code host}, tls.key matches, and the
     * annotations describe it (dns-names, not-after = notAfter, for = {@code forResource}, issuer = CA
     * fingerprint).
     */
    public static List<String> problems(Secret s, X509Certificate ca, String host, String forResource, Instant now) {
        List<String> problems = new ArrayList<>();
        String id = s.getMetadata().getNamespace() + "/" + s.getMetadata().getName() + "@"
                + s.getMetadata().getResourceVersion();
        if (!"kubernetes.io/tls".equals(s.getType())) {
            problems.add(id + ": type " + s.getType());
        }
        Map<String, String> labels = s.getMetadata().getLabels();
        if (labels == null || !"true".equals(labels.get(SecretData.MANAGED_LABEL))) {
            problems.add(id + ": no managed label: " + labels);
        }
        SecretData d = Objects.secret(s);
        X509Certificate leaf;
        try {
            List<X509Certificate> chain = Pem.certificates(d.value("tls.crt"));
            leaf = chain.get(0);
        } catch (Exception e) {
            problems.add(id + ": tls.crt does not parse: " + e);
            return problems;
        }
        try {
            X509Certificate bundled = Pem.certificates(d.value("ca.crt")).get(0);
            if (!bundled.equals(ca)) {
                problems.add(id + ": ca.crt is not the issuing CA " + ca.getSubjectX500Principal());
            }
            leaf.verify(bundled.getPublicKey());
        } catch (Exception e) {
            problems.add(id + ": tls.crt does not verify against ca.crt: " + e);
        }
        Instant notBefore = leaf.getNotBefore().toInstant();
        Instant notAfter = leaf.getNotAfter().toInstant();
        if (now.isBefore(notBefore) || !now.isBefore(notAfter)) {
            problems.add(id + ": not valid at " + now + " (" + notBefore + " .. " + notAfter + ")");
        }
        if (!HostCoverage.covers(HostCoverage.dnsNames(leaf), host)) {
            problems.add(id + ": " + host + " not covered by " + HostCoverage.dnsNames(leaf));
        }
        try {
            if (!KeyMatch.matches(leaf, Pem.privateKey(d.value("tls.key")))) {
                problems.add(id + ": tls.key does not match tls.crt");
            }
        } catch (Exception e) {
            problems.add(id + ": tls.key does not parse: " + e);
        }
        Map<String, String> a = s.getMetadata().getAnnotations() == null ? Map.of() : s.getMetadata().getAnnotations();
        if (!String.join(",", HostCoverage.dnsNames(leaf)).equals(a.get("gatewarden.io/dns-names"))) {
            problems.add(id + ": dns-names annotation " + a.get("gatewarden.io/dns-names"));
        }
        if (!notAfter.toString().equals(a.get("gatewarden.io/not-after"))) {
            problems.add(id + ": not-after annotation " + a.get("gatewarden.io/not-after") + " but notAfter " + notAfter);
        }
        if (!forResource.equals(a.get("gatewarden.io/for"))) {
            problems.add(id + ": for annotation " + a.get("gatewarden.io/for") + ", expected " + forResource);
        }
        if (!fingerprint(ca).equals(a.get("gatewarden.io/issuer"))) {
            problems.add(id + ": issuer annotation " + a.get("gatewarden.io/issuer"));
        }
        return problems;
    }
}
