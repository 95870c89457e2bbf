package io.gatewarden.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

class CertificateAuthorityTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);
    private static final CertificateIssuer ISSUER = new CertificateIssuer();

    @Test
    void createsASelfSignedCa() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("Gatewarden CA", KeyAlgorithm.EC_P256,
                Duration.ofDays(365), CLOCK);
        X509Certificate cert = ca.certificate();
        cert.verify(cert.getPublicKey());
        assertEquals("CN=Gatewarden CA", cert.getSubjectX500Principal().getName());
        assertEquals(cert.getSubjectX500Principal(), cert.getIssuerX500Principal());
        assertTrue(cert.getBasicConstraints() >= 0);
        assertTrue(cert.getCriticalExtensionOIDs().containsAll(List.of("2.5.29.19", "2.5.29.15")));
        boolean[] ku = cert.getKeyUsage();
        assertTrue(ku[5], "keyCertSign");
        assertTrue(ku[6], "cRLSign");
        assertFalse(ku[0], "digitalSignature");
        assertTrue(cert.getExtensionValue("2.5.29.14") != null, "subjectKeyIdentifier");
        assertEquals(T0.minus(Duration.ofHours(1)), cert.getNotBefore().toInstant());
        assertEquals(T0.plus(Duration.ofDays(365)), cert.getNotAfter().toInstant());
        assertTrue(KeyMatch.matches(cert, ca.key()));
        assertEquals(List.of(), ca.previous());
        assertFalse(ca.toString().contains("PRIVATE"));
    }

    @Test
    void fingerprintIsTheSha256OfTheDerInLowerCaseHex() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("CA", KeyAlgorithm.EC_P256, Duration.ofDays(1), CLOCK);
        String expected = HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(ca.certificate().getEncoded()));
        assertEquals(expected, ca.fingerprint());
        assertTrue(ca.fingerprint().matches("[0-9a-f]{64}"));
        CertificateAuthority other = CertificateAuthority.create("CA", KeyAlgorithm.EC_P256, Duration.ofDays(1), CLOCK);
        assertNotEquals(ca.fingerprint(), other.fingerprint());
    }

    @Test
    void createRejectsBadArguments() {
        assertThrows(IllegalArgumentException.class,
                () -> CertificateAuthority.create(" ", KeyAlgorithm.EC_P256, Duration.ofDays(1), CLOCK));
        assertThrows(IllegalArgumentException.class,
                () -> CertificateAuthority.create("x".repeat(65), KeyAlgorithm.EC_P256, Duration.ofDays(1), CLOCK));
        assertThrows(IllegalArgumentException.class,
                () -> CertificateAuthority.create("CA", KeyAlgorithm.EC_P256, Duration.ZERO, CLOCK));
    }

    @Test
    void loadRoundTripsAndIssuesWithTheLoadedCa() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("CA", KeyAlgorithm.EC_P384, Duration.ofDays(10), CLOCK);
        CertificateAuthority loaded = CertificateAuthority.load(ascii(Pem.encode(ca.certificate())),
                ascii(Pem.encode(ca.key())));
        assertEquals(ca.fingerprint(), loaded.fingerprint());
        assertEquals(ca.certificate(), loaded.certificate());
        assertArrayEquals(ca.subjectKeyId(), loaded.subjectKeyId());
        X509Certificate leaf = ISSUER.issue(LeafRequest.server(List.of("a.example.com")), loaded, CLOCK).certificate();
        assertTrue(PkiAssertions.pkixValid(List.of(leaf), List.of(ca.certificate()), T0));
    }

    @Test
    void loadsOpensslMadeCas() throws Exception {
        Clock clock = Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);
        for (String name : List.of("ca", "rsaca")) {
            CertificateAuthority ca = CertificateAuthority.load(Fixtures.bytes(name + ".crt"), Fixtures.bytes(name + ".key"));
            X509Certificate leaf = ISSUER.issue(LeafRequest.server(List.of("a.example.com")), ca, clock).certificate();
            assertTrue(PkiAssertions.pkixValid(List.of(leaf), List.of(ca.certificate()), clock.instant()), name);
        }
    }

    @Test
    void anIntermediateCaLoadedWithItsChainPutsTheChainAfterTheLeaf() throws Exception {
        Clock clock = Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);
        byte[] chainPem = (new String(Fixtures.bytes("intermediate.crt"), StandardCharsets.US_ASCII)
                + new String(Fixtures.bytes("ca.crt"), StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);
        CertificateAuthority ca = CertificateAuthority.load(chainPem, Fixtures.bytes("intermediate.key"));
        X509Certificate root = Fixtures.leaf("ca");
        assertEquals(List.of(root), ca.chain());
        IssuedCertificate issued = ISSUER.issue(LeafRequest.server(List.of("a.example.com")), ca, clock);
        assertEquals(List.of(ca.certificate(), root), issued.chain());
        assertEquals(List.of(), ChainCheck.problems(Pem.certificates(ascii(issued.certificatePem()))));
        assertTrue(PkiAssertions.pkixValid(List.of(issued.certificate(), ca.certificate()), List.of(root),
                clock.instant()));
        assertEquals(List.of(ca.certificate(), root), ca.trustBundle(clock.instant()));
    }

    @Test
    void loadRejectsACertificateThatIsNotACa() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CertificateAuthority.load(Fixtures.bytes("valid.crt"), Fixtures.bytes("valid.key")));
        assertTrue(e.getMessage().startsWith("certificate CN=myapp.example.com (serial "), e.getMessage());
        assertTrue(e.getMessage().endsWith(") is not a CA: its basicConstraints do not say CA:TRUE"), e.getMessage());
    }

    @Test
    void loadRejectsACaThatMayNotSignCertificates() throws Exception {
        KeyPair pair = KeyAlgorithm.EC_P256.generate();
        X500Principal name = new X500Principal("CN=No Sign CA");
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.TEN, Date.from(T0),
                Date.from(T0.plus(Duration.ofDays(1))), name, pair.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CertificateAuthority.load(ascii(Pem.encode(cert)), ascii(Pem.encode(pair.getPrivate()))));
        assertEquals("certificate CN=No Sign CA (serial a) may not sign certificates: its keyUsage lacks keyCertSign",
                e.getMessage());
    }

    @Test
    void loadRejectsAKeyThatIsNotTheCas() throws Exception {
        CertificateAuthority a = CertificateAuthority.create("CA A", KeyAlgorithm.EC_P256, Duration.ofDays(1), CLOCK);
        CertificateAuthority b = CertificateAuthority.create("CA B", KeyAlgorithm.EC_P256, Duration.ofDays(1), CLOCK);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CertificateAuthority.load(ascii(Pem.encode(a.certificate())), ascii(Pem.encode(b.key()))));
        assertEquals("the private key does not belong to CA certificate " + CertificateFacts.describe(a.certificate()),
                e.getMessage());
    }

    @Test
    void loadRejectsUnreadablePem() {
        CertificateAuthority a = CertificateAuthority.create("CA", KeyAlgorithm.EC_P256, Duration.ofDays(1), CLOCK);
        byte[] key = ascii(Pem.encode(a.key()));
        assertEquals("CA certificate: no PEM CERTIFICATE block found", assertThrows(IllegalArgumentException.class,
                () -> CertificateAuthority.load(ascii("garbage"), key)).getMessage());
        assertEquals("CA private key: no PEM private key block found", assertThrows(IllegalArgumentException.class,
                () -> CertificateAuthority.load(ascii(Pem.encode(a.certificate())), ascii("garbage"))).getMessage());
        assertEquals("CA private key: private key is encrypted; Istio needs an unencrypted key",
                assertThrows(IllegalArgumentException.class, () -> CertificateAuthority.load(
                        ascii(Pem.encode(a.certificate())), Fixtures.bytes("encrypted.key"))).getMessage());
    }

    @Test
    void trustBundleKeepsTheOldCaUntilItExpiresThenDropsIt() throws Exception {
        CertificateAuthority old = CertificateAuthority.create("Mesh CA", KeyAlgorithm.EC_P256, Duration.ofDays(10), CLOCK);
        X509Certificate oldLeaf = ISSUER.issue(LeafRequest.server(List.of("a.example.com")), old,
                Clock.offset(CLOCK, Duration.ofDays(4))).certificate();

        Clock rotation = Clock.offset(CLOCK, Duration.ofDays(5));
        CertificateAuthority current = old.rotate(KeyAlgorithm.EC_P256, Duration.ofDays(10), rotation);
        assertEquals(old.certificate().getSubjectX500Principal(), current.certificate().getSubjectX500Principal());
        assertNotEquals(old.fingerprint(), current.fingerprint());
        assertFalse(java.util.Arrays.equals(old.subjectKeyId(), current.subjectKeyId()));
        assertEquals(List.of(old.certificate()), current.previous());

        Instant oldExpiry = old.certificate().getNotAfter().toInstant(); // T0 + 10 days
        assertEquals(List.of(current.certificate(), old.certificate()), current.trustBundle(rotation.instant()));
        assertEquals(List.of(current.certificate(), old.certificate()), current.trustBundle(oldExpiry));
        assertEquals(List.of(current.certificate()), current.trustBundle(oldExpiry.plusSeconds(1)));

        // During the overlap, leaves of both CAs verify against the bundle.
        X509Certificate newLeaf = ISSUER.issue(LeafRequest.server(List.of("a.example.com")), current, rotation)
                .certificate();
        List<X509Certificate> bundle = current.trustBundle(rotation.instant());
        assertTrue(PkiAssertions.pkixValid(List.of(oldLeaf), bundle, rotation.instant()));
        assertTrue(PkiAssertions.pkixValid(List.of(newLeaf), bundle, rotation.instant()));
        assertFalse(PkiAssertions.pkixValid(List.of(oldLeaf), List.of(current.certificate()), rotation.instant()));
    }

    @Test
    void rotationCarriesUnexpiredPreviousCasNewestFirstAndPrunesExpiredOnes() {
        CertificateAuthority first = CertificateAuthority.create("Mesh CA", KeyAlgorithm.EC_P256, Duration.ofDays(10), CLOCK);
        CertificateAuthority second = first.rotate(KeyAlgorithm.EC_P256, Duration.ofDays(30), Clock.offset(CLOCK,
                Duration.ofDays(5)));
        CertificateAuthority third = second.rotate(KeyAlgorithm.EC_P384, Duration.ofDays(30), Clock.offset(CLOCK,
                Duration.ofDays(8)));
        assertEquals(List.of(second.certificate(), first.certificate()), third.previous());
        assertEquals("SHA384withECDSA", third.signatureAlgorithm());

        // Rotating after the first CA expired leaves it behind.
        CertificateAuthority fourth = third.rotate(KeyAlgorithm.EC_P256, Duration.ofDays(30), Clock.offset(CLOCK,
                Duration.ofDays(11)));
        assertEquals(List.of(third.certificate(), second.certificate()), fourth.previous());
    }

    @Test
    void previousCasAreBoundedInCountAndBytesNewestKept() {
        CertificateAuthority ca = CertificateAuthority.create("Mesh CA", KeyAlgorithm.EC_P256, Duration.ofDays(3650), CLOCK);
        List<X509Certificate> all = new java.util.ArrayList<>();
        for (int i = 1; i <= 10; i++) { // a shortened lifetime: every predecessor is still valid
            all.add(0, ca.certificate());
            ca = ca.rotate(KeyAlgorithm.EC_P256, Duration.ofDays(3650), Clock.offset(CLOCK, Duration.ofDays(i)));
            assertTrue(ca.previous().size() <= CertificateAuthority.MAX_PREVIOUS, "after rotation " + i);
        }
        assertEquals(all.subList(0, CertificateAuthority.MAX_PREVIOUS), ca.previous(), "the newest are kept");

        // A CA Secret written by an unbounded version (issue 18 saw 1,644): loading bounds it too, bytes included.
        X509Certificate[] many = new X509Certificate[1644];
        java.util.Arrays.fill(many, all.get(0));
        CertificateAuthority loaded = CertificateAuthority.load(ascii(Pem.encode(ca.certificate())),
                ascii(Pem.encode(ca.key())), ascii(Pem.encode(many)));
        assertEquals(CertificateAuthority.MAX_PREVIOUS, loaded.previous().size());
        // Bytes: certificates of ~7 KB each (300 SANs) fit only twice into the byte bound.
        List<String> names = java.util.stream.IntStream.range(0, 300).mapToObj(i -> "host-" + i + ".example.com").toList();
        X509Certificate big = ISSUER.issue(LeafRequest.server(names), ca, CLOCK).certificate();
        java.util.Arrays.fill(many, big);
        CertificateAuthority bytes = CertificateAuthority.load(ascii(Pem.encode(ca.certificate())),
                ascii(Pem.encode(ca.key())), ascii(Pem.encode(many)));
        int one = Pem.encode(big).length();
        assertEquals(CertificateAuthority.MAX_PREVIOUS_PEM_BYTES / one, bytes.previous().size(), "PEM of one: " + one);
        assertTrue(Pem.encode(bytes.previous().toArray(X509Certificate[]::new)).length()
                <= CertificateAuthority.MAX_PREVIOUS_PEM_BYTES);
    }

    @Test
    void previousCasSurviveARestartThroughLoad() {
        CertificateAuthority old = CertificateAuthority.create("Mesh CA", KeyAlgorithm.EC_P256, Duration.ofDays(10), CLOCK);
        CertificateAuthority current = old.rotate(KeyAlgorithm.EC_P256, Duration.ofDays(10), CLOCK);
        CertificateAuthority reloaded = CertificateAuthority.load(ascii(Pem.encode(current.certificate())),
                ascii(Pem.encode(current.key())),
                ascii(Pem.encode(current.previous().toArray(X509Certificate[]::new))));
        assertEquals(current.previous(), reloaded.previous());
        assertEquals(current.trustBundle(T0), reloaded.trustBundle(T0));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
