package io.gatewarden.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CertificateIssuerTest {

    private static final Instant NOW = Instant.parse("2026-05-01T10:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final CertificateAuthority CA =
            CertificateAuthority.create("Gatewarden Test CA", KeyAlgorithm.EC_P256, Duration.ofDays(3650), CLOCK);
    private static final List<String> NAMES = List.of("shop.example.com", "*.api.example.com", "example.com");
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

    private final CertificateIssuer issuer = new CertificateIssuer();

    @ParameterizedTest
    @EnumSource(KeyAlgorithm.class)
    void issuesAVerifiableServerCertificateForEveryKeyAlgorithm(KeyAlgorithm algorithm) throws Exception {
        IssuedCertificate issued = issuer.issue(
                new LeafRequest(NAMES, algorithm, Duration.ofDays(90), false, true), CA, CLOCK);
        X509Certificate leaf = issued.certificate();

        leaf.verify(CA.certificate().getPublicKey());
        assertTrue(PkiAssertions.pkixValid(List.of(leaf), List.of(CA.certificate()), NOW));
        assertEquals(List.of(), ChainCheck.problems(List.of(leaf, CA.certificate())));
        assertEquals(NAMES, HostCoverage.dnsNames(leaf));
        assertTrue(KeyMatch.matches(leaf, issued.key()));
        assertEquals("CN=shop.example.com", leaf.getSubjectX500Principal().getName());
        assertEquals(CA.certificate().getSubjectX500Principal(), leaf.getIssuerX500Principal());
        assertEquals(CA.signatureAlgorithm(), leaf.getSigAlgName());

        // Key of the requested kind.
        if (algorithm.isRsa()) {
            int bits = Integer.parseInt(algorithm.label().substring(4));
            assertEquals(bits, ((RSAPublicKey) leaf.getPublicKey()).getModulus().bitLength());
        } else {
            int bits = algorithm == KeyAlgorithm.EC_P256 ? 256 : 384;
            assertEquals(bits, ((ECPublicKey) leaf.getPublicKey()).getParams().getOrder().bitLength());
        }

        // keyUsage: digitalSignature, plus keyEncipherment for RSA only; critical.
        boolean[] ku = leaf.getKeyUsage();
        assertTrue(ku[0], "digitalSignature");
        assertEquals(algorithm.isRsa(), ku[2], "keyEncipherment");
        for (int i = 0; i < ku.length; i++) {
            if (i != 0 && i != 2) {
                assertFalse(ku[i], "keyUsage bit " + i);
            }
        }
        assertTrue(leaf.getCriticalExtensionOIDs().contains("2.5.29.15"));
        assertEquals(List.of(SERVER_AUTH), leaf.getExtendedKeyUsage());
        assertEquals(-1, leaf.getBasicConstraints(), "not a CA");

        // authorityKeyIdentifier = the CA's subjectKeyIdentifier.
        assertArrayEquals(CA.subjectKeyId(), authorityKeyId(leaf));
        assertNotNull(CA.certificate().getExtensionValue("2.5.29.14"));

        // Validity: back-dated exactly one hour, lifetime from now.
        assertEquals(NOW.minus(Duration.ofHours(1)), leaf.getNotBefore().toInstant());
        assertEquals(NOW.plus(Duration.ofDays(90)), leaf.getNotAfter().toInstant());
        assertEquals(NOW.plus(Duration.ofDays(90)), issued.notAfter());
    }

    @Test
    void extendedKeyUsageFollowsTheRequest() {
        X509Certificate client = issuer.issue(new LeafRequest(NAMES, KeyAlgorithm.EC_P256, Duration.ofDays(1), true,
                false), CA, CLOCK).certificate();
        X509Certificate both = issuer.issue(new LeafRequest(NAMES, KeyAlgorithm.EC_P256, Duration.ofDays(1), true,
                true), CA, CLOCK).certificate();
        try {
            assertEquals(List.of(CLIENT_AUTH), client.getExtendedKeyUsage());
            assertEquals(List.of(SERVER_AUTH, CLIENT_AUTH), both.getExtendedKeyUsage());
        } catch (java.security.cert.CertificateParsingException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void pemOutputIsLeafFirstThenTheCaAndAPkcs8Key() throws Exception {
        IssuedCertificate issued = issuer.issue(LeafRequest.server(NAMES), CA, CLOCK);
        assertEquals(List.of(CA.certificate()), issued.chain());
        List<X509Certificate> parsed = Pem.certificates(issued.certificatePem().getBytes(StandardCharsets.US_ASCII));
        assertEquals(List.of(issued.certificate(), CA.certificate()), parsed);
        assertTrue(issued.keyPem().startsWith("-----BEGIN PRIVATE KEY-----\n"));
        assertTrue(KeyMatch.matches(parsed.get(0), Pem.privateKey(issued.keyPem().getBytes(StandardCharsets.US_ASCII))));
        assertFalse(issued.toString().contains("PRIVATE"));
    }

    @Test
    void subSecondClockIsTruncatedSoNotBeforeIsStillExactlyOneHourBack() {
        Clock clock = Clock.fixed(NOW.plusMillis(999), ZoneOffset.UTC);
        X509Certificate leaf = issuer.issue(new LeafRequest(NAMES, KeyAlgorithm.EC_P256, Duration.ofSeconds(90), false,
                true), CA, clock).certificate();
        assertEquals(NOW.minus(Duration.ofHours(1)), leaf.getNotBefore().toInstant());
        assertEquals(NOW.plusSeconds(90), leaf.getNotAfter().toInstant());
    }

    @Test
    void longFirstNameIsCutToSixtyFourCharactersInTheCommonNameOnly() {
        String longName = "a".repeat(60) + ".example.com"; // 72 characters
        X509Certificate leaf = issuer.issue(LeafRequest.server(List.of(longName)), CA, CLOCK).certificate();
        assertEquals("CN=" + longName.substring(0, 64), leaf.getSubjectX500Principal().getName());
        assertEquals(List.of(longName), HostCoverage.dnsNames(leaf));
    }

    @Test
    void serialsArePositive128BitAndDistinctOverAThousandConcurrentIssues() throws Exception {
        Set<BigInteger> serials = ConcurrentHashMap.newKeySet();
        LeafRequest request = LeafRequest.server(List.of("shop.example.com"));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<IssuedCertificate>> futures = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                futures.add(pool.submit(() -> issuer.issue(request, CA, CLOCK)));
            }
            for (int i = 0; i < futures.size(); i++) {
                IssuedCertificate issued = futures.get(i).get();
                BigInteger serial = issued.certificate().getSerialNumber();
                assertEquals(1, serial.signum());
                assertTrue(serial.bitLength() <= 128);
                serials.add(serial);
                if (i % 50 == 0) {
                    // Issued on four threads at once, the certificates are still sound (sampled: checks cost time).
                    assertTrue(KeyMatch.matches(issued.certificate(), issued.key()));
                    issued.certificate().verify(CA.certificate().getPublicKey());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1000, serials.size());
    }

    @Test
    void notAfterNeverOutlivesTheCa() {
        CertificateAuthority shortCa =
                CertificateAuthority.create("Short CA", KeyAlgorithm.EC_P256, Duration.ofDays(30), CLOCK);
        X509Certificate leaf = issuer.issue(LeafRequest.server(NAMES), shortCa, CLOCK).certificate();
        assertEquals(shortCa.certificate().getNotAfter(), leaf.getNotAfter());
        assertEquals(NOW.plus(Duration.ofDays(30)), leaf.getNotAfter().toInstant());
    }

    @Test
    void anExpiredCaDoesNotIssue() {
        CertificateAuthority shortCa =
                CertificateAuthority.create("Short CA", KeyAlgorithm.EC_P256, Duration.ofDays(30), CLOCK);
        Clock later = Clock.offset(CLOCK, Duration.ofDays(30));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> issuer.issue(LeafRequest.server(NAMES), shortCa, later));
        assertTrue(e.getMessage().contains("expired at 2026-05-31T10:00:00Z; rotate the CA"), e.getMessage());
    }

    @Test
    void caKeyTypeDecidesTheSignature() throws Exception {
        CertificateAuthority p384 =
                CertificateAuthority.create("P-384 CA", KeyAlgorithm.EC_P384, Duration.ofDays(365), CLOCK);
        CertificateAuthority rsa =
                CertificateAuthority.create("RSA CA", KeyAlgorithm.RSA_2048, Duration.ofDays(365), CLOCK);
        for (CertificateAuthority ca : List.of(p384, rsa)) {
            X509Certificate leaf = issuer.issue(LeafRequest.server(NAMES), ca, CLOCK).certificate();
            assertEquals(ca.signatureAlgorithm(), leaf.getSigAlgName());
            assertTrue(PkiAssertions.pkixValid(List.of(leaf), List.of(ca.certificate()), NOW));
        }
        assertEquals("SHA384withECDSA", p384.signatureAlgorithm());
        assertEquals("SHA256withRSA", rsa.signatureAlgorithm());
    }

    @Test
    void requestsAreValidated() {
        Duration d = Duration.ofDays(1);
        KeyAlgorithm a = KeyAlgorithm.EC_P256;
        assertEquals("a leaf certificate needs at least one DNS name", assertThrows(IllegalArgumentException.class,
                () -> new LeafRequest(List.of(), a, d, false, true)).getMessage());
        assertEquals("a leaf certificate needs serverAuth, clientAuth or both", assertThrows(
                IllegalArgumentException.class, () -> new LeafRequest(NAMES, a, d, false, false)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LeafRequest(NAMES, a, Duration.ZERO, false, true));
        assertThrows(IllegalArgumentException.class, () -> new LeafRequest(List.of("bad name"), a, d, false, true));
        assertThrows(IllegalArgumentException.class, () -> new LeafRequest(List.of("bücher.example"), a, d, false, true));
        assertThrows(NullPointerException.class, () -> new LeafRequest(NAMES, null, d, false, true));
        // Duplicates, ignoring case, are dropped; order is kept.
        assertEquals(List.of("b.example.com", "A.example.com"),
                new LeafRequest(List.of("b.example.com", "A.example.com", "a.EXAMPLE.com"), a, d, false, true).dnsNames());
    }

    private static byte[] authorityKeyId(X509Certificate cert) {
        byte[] ext = cert.getExtensionValue("2.5.29.35");
        return AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(ext).getOctets()).getKeyIdentifier();
    }
}
