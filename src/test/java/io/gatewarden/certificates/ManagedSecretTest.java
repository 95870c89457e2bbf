package io.gatewarden.certificates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatewarden.cluster.SecretData;
import io.gatewarden.demands.CredentialDemand;
import io.gatewarden.diagnostics.ObjectRef;
import io.gatewarden.pki.CertificateAuthority;
import io.gatewarden.pki.CertificateIssuer;
import io.gatewarden.pki.IssuedCertificate;
import io.gatewarden.pki.KeyAlgorithm;
import io.gatewarden.pki.KeyMatch;
import io.gatewarden.pki.LeafRequest;
import io.gatewarden.pki.Pem;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ManagedSecretTest {

    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);
    private static final CertificateAuthority OLD =
            CertificateAuthority.create("Mesh CA", KeyAlgorithm.EC_P256, Duration.ofDays(30), CLOCK);
    private static final CertificateAuthority CA = OLD.rotate(KeyAlgorithm.EC_P256, Duration.ofDays(365), CLOCK);
    private static final CredentialDemand DEMAND = new CredentialDemand("istio-ingress", "shop-tls",
            List.of("*.api.example.com", "shop.example.com"), true, CredentialDemand.Purpose.SERVER,
            List.of(ObjectRef.parse("Gateway/istio-ingress/api", "networking.istio.io"),
                    ObjectRef.parse("Gateway/istio-ingress/shop", "networking.istio.io")), null);
    private static final IssuedCertificate ISSUED = new CertificateIssuer().issue(
            LeafRequest.server(DEMAND.dnsNames()), CA, CLOCK);

    @Test
    void dataHoldsLeafThenChainTheKeyAndTheTrustBundle() throws Exception {
        Map<String, byte[]> data = ManagedSecret.data(ISSUED, CA.trustBundle(T0), true);
        assertEquals(List.of("tls.crt", "tls.key", "ca.crt"), List.copyOf(data.keySet()));
        assertEquals(List.of(ISSUED.certificate(), CA.certificate()), Pem.certificates(data.get("tls.crt")));
        assertTrue(KeyMatch.matches(ISSUED.certificate(), Pem.privateKey(data.get("tls.key"))));
        assertEquals(List.of(CA.certificate(), OLD.certificate()), Pem.certificates(data.get("ca.crt")));
        assertThrows(UnsupportedOperationException.class, () -> data.put("x", new byte[0]));
    }

    @Test
    void caCrtOnlyWhenAsked() {
        assertEquals(List.of("tls.crt", "tls.key"),
                List.copyOf(ManagedSecret.data(ISSUED, CA.trustBundle(T0), false).keySet()));
        assertEquals(List.of("tls.crt", "tls.key"), List.copyOf(ManagedSecret.data(ISSUED, List.of(), false).keySet()));
        assertThrows(IllegalArgumentException.class, () -> ManagedSecret.data(ISSUED, List.of(), true));
    }

    @Test
    void annotationsNameNamesExpiryOwnersAndIssuer() {
        Map<String, String> annotations = ManagedSecret.annotations(DEMAND, ISSUED, CA.fingerprint());
        assertEquals(Map.of(
                "gatewarden.io/dns-names", "*.api.example.com,shop.example.com",
                "gatewarden.io/not-after", "2026-05-30T12:00:00Z",
                "gatewarden.io/for", "Gateway.networking.istio.io/istio-ingress/api,Gateway.networking.istio.io/istio-ingress/shop",
                "gatewarden.io/issuer", CA.fingerprint()), annotations);
    }

    @Test
    void labelsMarkTheSecretManaged() {
        assertEquals(Map.of("gatewarden.io/managed", "true"), ManagedSecret.labels());
        SecretData written = new SecretData("ns", "s", ManagedSecret.TYPE, ManagedSecret.labels(), Map.of(), Map.of());
        assertTrue(written.managed());
        assertEquals("kubernetes.io/tls", ManagedSecret.TYPE);
        assertEquals("gatewarden.io/orphaned-since", ManagedSecret.ORPHANED_SINCE_ANNOTATION);
    }
}
