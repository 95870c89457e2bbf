package io.gatewarden.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import org.junit.jupiter.api.Test;

class KeyAlgorithmTest {

    @Test
    void parsesTheConfiguredSpellingsIgnoringCase() {
        assertEquals(KeyAlgorithm.EC_P256, KeyAlgorithm.parse("ecdsa-p256"));
        assertEquals(KeyAlgorithm.EC_P384, KeyAlgorithm.parse("ECDSA-P384"));
        assertEquals(KeyAlgorithm.RSA_2048, KeyAlgorithm.parse("Rsa-2048"));
        assertEquals(KeyAlgorithm.RSA_3072, KeyAlgorithm.parse(" rsa-3072 "));
        assertEquals(KeyAlgorithm.RSA_4096, KeyAlgorithm.parse("rsa-4096"));
        for (KeyAlgorithm a : KeyAlgorithm.values()) {
            assertEquals(a, KeyAlgorithm.parse(a.label()));
        }
        assertEquals(KeyAlgorithm.EC_P256, KeyAlgorithm.DEFAULT);
    }

    @Test
    void unknownValuesNameTheAcceptedOnes() {
        for (String bad : new String[] {"rsa-1024", "EC_P256", "", "ed25519"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeyAlgorithm.parse(bad));
            assertEquals("unknown key algorithm \"" + bad + "\"; accepted values: "
                    + "ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096", e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> KeyAlgorithm.parse(null));
    }

    @Test
    void generatesEcKeysOnTheRightCurve() {
        KeyPair p256 = KeyAlgorithm.EC_P256.generate();
        assertEquals(256, ((ECPublicKey) p256.getPublic()).getParams().getOrder().bitLength());
        KeyPair p384 = KeyAlgorithm.EC_P384.generate();
        assertEquals(384, ((ECPublicKey) p384.getPublic()).getParams().getOrder().bitLength());
        assertFalse(KeyAlgorithm.EC_P256.isRsa());
    }

    @Test
    void generatesRsaKeysOfTheRightSize() {
        KeyPair rsa = KeyAlgorithm.RSA_2048.generate();
        assertEquals(2048, ((RSAPublicKey) rsa.getPublic()).getModulus().bitLength());
        assertTrue(KeyAlgorithm.RSA_2048.isRsa());
        // 3072 and 4096 are generated (slowly) in CertificateIssuerTest.
    }

    @Test
    void signatureAlgorithms() {
        assertEquals("SHA256withECDSA", KeyAlgorithm.EC_P256.signatureAlgorithm());
        assertEquals("SHA384withECDSA", KeyAlgorithm.EC_P384.signatureAlgorithm());
        assertEquals("SHA256withRSA", KeyAlgorithm.RSA_2048.signatureAlgorithm());
        assertEquals("SHA256withRSA", KeyAlgorithm.RSA_3072.signatureAlgorithm());
        assertEquals("SHA256withRSA", KeyAlgorithm.RSA_4096.signatureAlgorithm());
    }
}
