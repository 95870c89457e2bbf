package io.gatewarden.webhook;

import io.gatewarden.pki.CertificateAuthority;
import io.gatewarden.pki.CertificateIssuer;
import io.gatewarden.pki.IssuedCertificate;
import io.gatewarden.pki.KeyAlgorithm;
import io.gatewarden.pki.LeafRequest;
import io.gatewarden.pki.Pem;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLEngine;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A serving certificate as read from a Secret, and the key manager that serves it per handshake. */
class ServingMaterialTest {
    static final Clock NOW = Clock.fixed(Instant.parse("2026-06-01T00:00:00Z"), ZoneOffset.UTC);
    static final CertificateAuthority CA = CertificateAuthority.create("ca", KeyAlgorithm.EC_P256, Duration.ofDays(365), NOW);

    static ServingMaterial issue(String name) {
        IssuedCertificate c = new CertificateIssuer().issue(LeafRequest.server(List.of(name)), CA, NOW);
        return ServingMaterial.of(c.certificatePem().getBytes(StandardCharsets.US_ASCII),
                c.keyPem().getBytes(StandardCharsets.US_ASCII), "test", NOW.instant());
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aKeyOfAnotherCertificateIsRefusedWithTheReason() {
        IssuedCertificate a = new CertificateIssuer().issue(LeafRequest.server(List.of("a.example.com")), CA, NOW);
        IssuedCertificate b = new CertificateIssuer().issue(LeafRequest.server(List.of("b.example.com")), CA, NOW);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServingMaterial.of(ascii(a.certificatePem()), ascii(b.keyPem()), "Secret x/y", NOW.instant()));
        assertTrue(e.getMessage().contains("Secret x/y") && e.getMessage().contains("does not belong"), e.getMessage());
    }

    @Test
    void anExpiredCertificateOrMissingDataIsRefused() {
        IssuedCertificate a = new CertificateIssuer().issue(LeafRequest.server(List.of("a.example.com")), CA, NOW);
        Instant after = a.notAfter().plusSeconds(1);
        assertThrows(IllegalArgumentException.class,
                () -> ServingMaterial.of(ascii(a.certificatePem()), ascii(a.keyPem()), "s", after));
        assertThrows(IllegalArgumentException.class, () -> ServingMaterial.of(null, ascii(a.keyPem()), "s", NOW.instant()));
        assertThrows(IllegalArgumentException.class,
                () -> ServingMaterial.of(ascii("not pem"), ascii(a.keyPem()), "s", NOW.instant()));
    }

    @Test
    void theKeyManagerServesTheLatestAndStillResolvesTheAliasAHandshakeChoseBeforeTheSwap() {
        SwappableKeyManager km = new SwappableKeyManager();
        ServingMaterial first = issue("first.example.com");
        ServingMaterial second = issue("second.example.com");
        km.use(first.alias(), first.chain().toArray(X509Certificate[]::new), first.key());
        String chosen = km.chooseEngineServerAlias("EC", null, (SSLEngine) null);
        assertEquals(first.alias(), chosen);
        assertNull(km.chooseEngineServerAlias("RSA", null, (SSLEngine) null), "no RSA key to offer");

        km.use(second.alias(), second.chain().toArray(X509Certificate[]::new), second.key());
        // The handshake that chose before the swap gets the chain and key of its alias, consistently.
        assertEquals(first.leaf(), km.getCertificateChain(chosen)[0]);
        assertSame(first.key(), km.getPrivateKey(chosen));
        // New handshakes get the new one.
        String next = km.chooseEngineServerAlias("EC", null, (SSLEngine) null);
        assertEquals(second.alias(), next);
        assertArrayEquals(second.chain().toArray(X509Certificate[]::new), km.getCertificateChain(next));
        assertNull(km.getClientAliases("EC", null), "a server only");
    }

    @Test
    void pemRoundTripKeepsTheChain() throws Exception {
        ServingMaterial m = issue("a.example.com");
        assertEquals(2, m.chain().size(), "leaf then the issuing CA");
        assertEquals(CA.certificate(), Pem.certificates(m.certificatePem()).get(1));
    }
}
