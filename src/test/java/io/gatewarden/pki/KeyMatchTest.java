package io.gatewarden.pki;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.List;
import javax.security.auth.x500.X500Principal;
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

    private static X509Certificate selfSigned(KeyPair pair, String sigAlg) throws Exception {
        X500Principal name = new X500Principal("CN=ed25519.example.com");
        Date from = new Date(System.currentTimeMillis() - 60_000);
        Date to = new Date(System.currentTimeMillis() + 3_600_000);
        var builder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE, from, to, name, pair.getPublic());
        return new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder(sigAlg).build(pair.getPrivate())));
    }
}
