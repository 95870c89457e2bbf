package io.gatewarden.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

class KeyMatchTest {

    private static final List<String> PAIRS = List.of(
            "ca", "intermediate", "rsaca", "valid", "valid-chain", "wildcard", "multi", "expired",
            "notyetvalid", "wrongsan", "brokenchain", "rsa1024", "rsa2048", "sha1", "p384", "server");

    @Test
    void everyFixtureKeyMatchesItsCertificate() throws Exception {
        for (String name : PAIRS) {
            assertTrue(KeyMatch.matches(Fixtures.leaf(name), Fixtures.key(name)), name);
        }
    }

    @Test
    void mismatchedKeyIsDetected() throws Exception {
        assertFalse(KeyMatch.matches(Fixtures.leaf("mismatch"), Fixtures.key("mismatch")));
    }

    @Test
    void otherKeysOfTheSameKindDoNotMatch() throws Exception {
        assertFalse(KeyMatch.matches(Fixtures.leaf("valid"), Fixtures.key("multi")));      // EC P-256
        assertFalse(KeyMatch.matches(Fixtures.leaf("rsa2048"), Fixtures.key("sha1")));     // RSA 2048
        assertFalse(KeyMatch.matches(Fixtures.leaf("p384"), Fixtures.key("ca")));          // P-384 cert, P-256 key
        assertFalse(KeyMatch.matches(Fixtures.leaf("valid"), Fixtures.key("p384")));       // P-256 cert, P-384 key
        assertFalse(KeyMatch.matches(Fixtures.leaf("valid"), Fixtures.key("rsa2048")));    // EC cert, RSA key
        assertFalse(KeyMatch.matches(Fixtures.leaf("rsa2048"), Fixtures.key("valid")));    // RSA cert, EC key
        // The second certificate of a chain is the intermediate, not the leaf's key.
        assertFalse(KeyMatch.matches(Fixtures.chain("valid-chain").get(1), Fixtures.key("valid-chain")));
    }

    @Test
    void ed25519IsCheckedBySigning() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("Ed25519");
        KeyPair pair = gen.generateKeyPair();
        KeyPair other = gen.generateKeyPair();
        X509Certificate cert = selfSigned(pair, "Ed25519");
        assertTrue(KeyMatch.matches(cert, pair.getPrivate()));
        assertFalse(KeyMatch.matches(cert, other.getPrivate()));
    }

    // ---- matchAll: the same answers as matches, by batch where pairs share a named curve ----

    @Test
    void matchAllAgreesWithMatchesOnEveryFixtureCombination() throws Exception {
        List<X509Certificate> certs = new ArrayList<>();
        List<PrivateKey> keys = new ArrayList<>();
        for (String c : PAIRS) {
            for (String k : PAIRS) { // 256 pairs, ~200 of them P-256 certificates: the batch path included
                certs.add(Fixtures.leaf(c));
                keys.add(Fixtures.key(k));
            }
        }
        certs.add(Fixtures.leaf("mismatch"));
        keys.add(Fixtures.key("mismatch"));
        boolean[] all = KeyMatch.matchAll(certs, keys);
        for (int i = 0; i < all.length; i++) {
            assertEquals(KeyMatch.matches(certs.get(i), keys.get(i)), all[i], "pair " + i);
        }
    }

    @Test
    void aBatchOfValidPairsMatchesOnEveryNamedCurve() throws Exception {
        for (String curve : List.of("secp256r1", "secp384r1")) {
            List<KeyPair> pairs = ecPairs(curve, 40);
            boolean[] all = KeyMatch.matchAll(certificates(pairs), privateKeys(pairs));
            for (int i = 0; i < all.length; i++) {
                assertTrue(all[i], curve + " pair " + i);
            }
        }
    }

    @Test
    void aBatchFindsEachMismatchedKeyAmongValidOnes() throws Exception {
        List<KeyPair> pairs = ecPairs("secp256r1", 64);
        List<X509Certificate> certs = certificates(pairs);
        List<PrivateKey> keys = privateKeys(pairs);
        PrivateKey stranger = ecPairs("secp256r1", 1).get(0).getPrivate();
        keys.set(5, stranger);
        keys.set(41, stranger);
        boolean[] all = KeyMatch.matchAll(certs, keys);
        for (int i = 0; i < all.length; i++) {
            assertEquals(i != 5 && i != 41, all[i], "pair " + i);
        }
    }

    @Test
    void keysSwappedBetweenTwoSecretsAreCaught() throws Exception {
        // (b - a)·G + (a - b)·G = O: a plain sum over the batch would accept this; the random weights do not.
        List<KeyPair> pairs = ecPairs("secp256r1", 32);
        List<PrivateKey> keys = privateKeys(pairs);
        PrivateKey a = keys.get(3);
        keys.set(3, keys.get(20));
        keys.set(20, a);
        boolean[] all = KeyMatch.matchAll(certificates(pairs), keys);
        for (int i = 0; i < all.length; i++) {
            assertEquals(i != 3 && i != 20, all[i], "pair " + i);
        }
    }

    @Test
    void aKeyFromAnotherCurveOrAlgorithmInABatchIsJudgedAlone() throws Exception {
        List<KeyPair> pairs = ecPairs("secp256r1", 24);
        List<X509Certificate> certs = certificates(pairs);
        List<PrivateKey> keys = privateKeys(pairs);
        keys.set(2, ecPairs("secp384r1", 1).get(0).getPrivate());
        keys.set(9, Fixtures.key("rsa2048"));
        certs.add(Fixtures.leaf("rsa2048"));
        keys.add(Fixtures.key("rsa2048"));
        boolean[] all = KeyMatch.matchAll(certs, keys);
        for (int i = 0; i < all.length; i++) {
            assertEquals(i != 2 && i != 9, all[i], "pair " + i);
        }
    }

    @Test
    void aScalarOutsideOneToTheGroupOrderIsNoKeyAlsoInABatch() throws Exception {
        // d + n and d give the same point, but TLS stacks (BoringSSL) refuse a scalar outside [1, n);
        // a batch works modulo n and would accept d + n, so such keys are judged alone, as a mismatch.
        List<KeyPair> pairs = ecPairs("secp256r1", 20);
        List<X509Certificate> certs = certificates(pairs);
        List<PrivateKey> keys = privateKeys(pairs);
        ECParameterSpec params = ((ECPrivateKey) keys.get(0)).getParams();
        BigInteger d = BigInteger.valueOf(12345);
        X509Certificate cert = certificate(KeyFactory.getInstance("EC").generatePublic(
                new ECPublicKeySpec(multiplyGenerator(d), params)), pairs.get(0).getPrivate(), "SHA256withECDSA");
        PrivateKey exact = KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(d, params));
        PrivateKey beyond = KeyFactory.getInstance("EC").generatePrivate(
                new ECPrivateKeySpec(d.add(params.getOrder()), params));
        PrivateKey zero = KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(BigInteger.ZERO, params));
        assertTrue(KeyMatch.matches(cert, exact));
        assertFalse(KeyMatch.matches(cert, beyond));
        assertFalse(KeyMatch.matches(cert, zero));
        certs.addAll(List.of(cert, cert, cert));
        keys.addAll(List.of(exact, beyond, zero));
        boolean[] all = KeyMatch.matchAll(certs, keys);
        for (int i = 0; i < all.length; i++) {
            assertEquals(i < all.length - 2, all[i], "pair " + i);
        }
    }

    // ---- an embedded public point is never trusted ----

    @Test
    void aForgedPublicPointInsideTheKeyDoesNotMakeItMatch() throws Exception {
        // A PKCS#8 key may carry its public point. This one carries the certificate's point next to
        // another key's scalar: the point must not be believed (Envoy would refuse such a key).
        KeyPair real = ecPairs("secp256r1", 1).get(0);
        KeyPair other = ecPairs("secp256r1", 1).get(0);
        X509Certificate cert = selfSigned(real, "SHA256withECDSA");
        byte[] forgedPem = pkcs8WithPublicPoint((ECPrivateKey) other.getPrivate(), real);
        assertEquals(certificatePoint(cert), embeddedPoint(forgedPem), "the forged key carries the certificate's point");
        PrivateKey forged = Pem.privateKey(forgedPem);
        assertFalse(KeyMatch.matches(cert, forged));

        List<KeyPair> pairs = ecPairs("secp256r1", 30);
        List<X509Certificate> certs = certificates(pairs);
        List<PrivateKey> keys = privateKeys(pairs);
        certs.set(17, cert);
        keys.set(17, forged);
        boolean[] all = KeyMatch.matchAll(certs, keys);
        for (int i = 0; i < all.length; i++) {
            assertEquals(i != 17, all[i], "pair " + i);
        }
        // The honest key with its point embedded still matches.
        PrivateKey honest = Pem.privateKey(pkcs8WithPublicPoint((ECPrivateKey) real.getPrivate(), real));
        assertTrue(KeyMatch.matches(cert, honest));
        assertTrue(KeyMatch.matchAll(List.of(cert), List.of(honest))[0]);
    }

    private static byte[] pkcs8WithPublicPoint(ECPrivateKey scalarFrom, KeyPair pointFrom) throws Exception {
        byte[] point = SubjectPublicKeyInfo.getInstance(pointFrom.getPublic().getEncoded()).getPublicKeyData().getBytes();
        org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, scalarFrom.getS(),
                new DERBitString(point), null);
        PrivateKeyInfo info = new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey,
                SECObjectIdentifiers.secp256r1), sec1);
        return ("-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(info.getEncoded())
                + "\n-----END PRIVATE KEY-----\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The public point stored in a PKCS#8 PEM's ECPrivateKey structure (hex), "" when it has none. */
    private static String embeddedPoint(byte[] pem) throws Exception {
        String body = new String(pem, StandardCharsets.US_ASCII).replaceAll("-----[A-Z ]+-----", "");
        org.bouncycastle.asn1.sec.ECPrivateKey sec1 = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(
                PrivateKeyInfo.getInstance(Base64.getMimeDecoder().decode(body.strip())).parsePrivateKey());
        return sec1.getPublicKey() == null ? "" : HexFormat.of().formatHex(sec1.getPublicKey().getBytes());
    }

    private static String certificatePoint(X509Certificate cert) {
        return HexFormat.of().formatHex(
                SubjectPublicKeyInfo.getInstance(cert.getPublicKey().getEncoded()).getPublicKeyData().getBytes());
    }

    // ---- helpers ----

    private static List<KeyPair> ecPairs(String curve, int n) throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec(curve));
        List<KeyPair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(gen.generateKeyPair());
        }
        return out;
    }

    private static List<X509Certificate> certificates(List<KeyPair> pairs) throws Exception {
        List<X509Certificate> out = new ArrayList<>();
        for (KeyPair p : pairs) {
            out.add(selfSigned(p, "SHA256withECDSA"));
        }
        return out;
    }

    private static List<PrivateKey> privateKeys(List<KeyPair> pairs) {
        List<PrivateKey> out = new ArrayList<>();
        for (KeyPair p : pairs) {
            out.add(p.getPrivate());
        }
        return out;
    }

    private static java.security.spec.ECPoint multiplyGenerator(BigInteger d) {
        org.bouncycastle.math.ec.ECPoint q = org.bouncycastle.crypto.ec.CustomNamedCurves.getByName("secp256r1")
                .getG().multiply(d).normalize();
        return new java.security.spec.ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
    }

    private static X509Certificate certificate(PublicKey subjectKey, PrivateKey signer, String sigAlg) throws Exception {
        X500Principal name = new X500Principal("CN=key-match.example.com");
        Date from = new Date(System.currentTimeMillis() - 60_000);
        Date to = new Date(System.currentTimeMillis() + 3_600_000);
        var builder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE, from, to, name, subjectKey);
        return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder(sigAlg).build(signer)));
    }

    private static X509Certificate selfSigned(KeyPair pair, String sigAlg) throws Exception {
        X500Principal name = new X500Principal("CN=ed25519.example.com");
        Date from = new Date(System.currentTimeMillis() - 60_000);
        Date to = new Date(System.currentTimeMillis() + 3_600_000);
        var builder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE, from, to, name, pair.getPublic());
        return new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder(sigAlg).build(pair.getPrivate())));
    }
}
