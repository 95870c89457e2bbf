package io.gatewarden.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.util.List;
import org.junit.jupiter.api.Test;

class PemTest {

    @Test
    void readsAllCertificatesInOrder() throws Exception {
        assertEquals(1, Pem.certificates(Fixtures.bytes("valid.crt")).size());

        List<X509Certificate> chain = Pem.certificates(Fixtures.bytes("valid-chain.crt"));
        assertEquals(2, chain.size());
        assertEquals("CN=myapp.example.com", chain.get(0).getSubjectX500Principal().getName());
        assertEquals("CN=Gatewarden Test Intermediate CA", chain.get(1).getSubjectX500Principal().getName());
    }

    @Test
    void toleratesCrlfAndOtherBlocksAroundCertificates() throws Exception {
        String crlf = new String(Fixtures.bytes("valid-chain.crt"), StandardCharsets.US_ASCII).replace("\n", "\r\n");
        assertEquals(2, Pem.certificates(crlf.getBytes(StandardCharsets.US_ASCII)).size());

        // A key pasted into the same file (common with cert-manager-less setups) is not a certificate.
        byte[] both = concat(Fixtures.bytes("valid.key"), Fixtures.bytes("valid.crt"));
        assertEquals(1, Pem.certificates(both).size());
        assertInstanceOf(ECPrivateKey.class, Pem.privateKey(both));
    }

    @Test
    void notPemIsRejected() {
        PemException e = assertThrows(PemException.class, () -> Pem.certificates(Fixtures.bytes("notpem.crt")));
        assertEquals("no PEM CERTIFICATE block found", e.getMessage());

        e = assertThrows(PemException.class, () -> Pem.certificates(new byte[0]));
        assertEquals("no PEM CERTIFICATE block found", e.getMessage());

        // A key file is not a certificate file.
        e = assertThrows(PemException.class, () -> Pem.certificates(Fixtures.bytes("valid.key")));
        assertEquals("no PEM CERTIFICATE block found", e.getMessage());
    }

    @Test
    void brokenBlockIsReportedByPosition() {
        String good = new String(Fixtures.bytes("valid.crt"), StandardCharsets.US_ASCII);
        String garbled = "-----BEGIN CERTIFICATE-----\nTUlJQm5vdCBhIGNlcnRpZmljYXRl\n-----END CERTIFICATE-----\n";
        byte[] pem = (good + garbled + good).getBytes(StandardCharsets.US_ASCII);

        PemException e = assertThrows(PemException.class, () -> Pem.certificates(pem));
        assertTrue(e.getMessage().startsWith("certificate 2 of 3 does not parse: "), e.getMessage());

        String badBase64 = "-----BEGIN CERTIFICATE-----\n%%%%not base64%%%%\n-----END CERTIFICATE-----\n";
        e = assertThrows(PemException.class,
                () -> Pem.certificates((badBase64 + good).getBytes(StandardCharsets.US_ASCII)));
        assertEquals("certificate 1 of 2 does not parse: invalid base64", e.getMessage());
    }

    @Test
    void readsEveryUnencryptedKeyFormat() throws Exception {
        assertTrue(new String(Fixtures.bytes("valid.key"), StandardCharsets.US_ASCII).contains("BEGIN PRIVATE KEY"));
        assertInstanceOf(ECPrivateKey.class, Fixtures.key("valid"));          // PKCS#8 EC P-256
        assertTrue(new String(Fixtures.bytes("wildcard.key"), StandardCharsets.US_ASCII).contains("BEGIN EC PRIVATE KEY"));
        assertInstanceOf(ECPrivateKey.class, Fixtures.key("wildcard"));       // SEC1
        assertTrue(new String(Fixtures.bytes("rsa2048.key"), StandardCharsets.US_ASCII).contains("BEGIN RSA PRIVATE KEY"));
        assertInstanceOf(RSAPrivateKey.class, Fixtures.key("rsa2048"));       // PKCS#1
        assertInstanceOf(RSAPrivateKey.class, Fixtures.key("sha1"));          // PKCS#8 RSA
        assertInstanceOf(ECPrivateKey.class, Fixtures.key("p384"));           // PKCS#8 EC P-384
        assertEquals(384, ((ECPrivateKey) Fixtures.key("p384")).getParams().getOrder().bitLength());
    }

    @Test
    void encryptedKeyIsRefusedWithAClearMessage() {
        PemException e = assertThrows(PemException.class, () -> Fixtures.key("encrypted"));
        assertEquals("private key is encrypted; Istio needs an unencrypted key", e.getMessage());
    }

    @Test
    void missingKeyIsReported() {
        PemException e = assertThrows(PemException.class, () -> Pem.privateKey(Fixtures.bytes("notpem.crt")));
        assertEquals("no PEM private key block found", e.getMessage());

        e = assertThrows(PemException.class, () -> Pem.privateKey(Fixtures.bytes("valid.crt")));
        assertEquals("no PEM private key block found", e.getMessage());
    }

    @Test
    void malformedKeyMessageDoesNotLeakKeyMaterial() {
        String key = new String(Fixtures.bytes("valid.key"), StandardCharsets.US_ASCII);
        String[] lines = key.split("\n");
        // Keep the armour, cut the body in half: the DER no longer parses.
        String broken = lines[0] + "\n" + lines[1].substring(0, 32) + "\n" + lines[lines.length - 1] + "\n";
        PemException e = assertThrows(PemException.class,
                () -> Pem.privateKey(broken.getBytes(StandardCharsets.US_ASCII)));
        assertFalse(e.getMessage().contains(lines[1].substring(0, 16)), e.getMessage());
    }

    @Test
    void encodeRoundTrips() throws Exception {
        List<X509Certificate> chain = Fixtures.chain("valid-chain");
        String pem = Pem.encode(chain.toArray(new X509Certificate[0]));
        assertTrue(pem.startsWith("-----BEGIN CERTIFICATE-----\n"));
        assertEquals(chain, Pem.certificates(pem.getBytes(StandardCharsets.US_ASCII)));
        for (String line : pem.split("\n")) {
            assertTrue(line.length() <= 64, "PEM lines are at most 64 characters");
        }

        for (String name : List.of("valid", "wildcard", "rsa2048", "p384")) {
            PrivateKey key = Fixtures.key(name);
            String keyPem = Pem.encode(key);
            assertTrue(keyPem.startsWith("-----BEGIN PRIVATE KEY-----\n"), name);
            PrivateKey again = Pem.privateKey(keyPem.getBytes(StandardCharsets.US_ASCII));
            assertEquals(key, again, name);
            assertTrue(KeyMatch.matches(Fixtures.leaf(name), again), name);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
