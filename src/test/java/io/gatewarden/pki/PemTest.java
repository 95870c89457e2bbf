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

    // ---- the hand scanner finds what the regex it replaced found ----

    private static final java.util.regex.Pattern BLOCK_REGEX = java.util.regex.Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", java.util.regex.Pattern.DOTALL);

    private static List<String> byRegex(String text) {
        List<String> out = new java.util.ArrayList<>();
        java.util.regex.Matcher m = BLOCK_REGEX.matcher(text);
        while (m.find()) {
            out.add(m.start() + "|" + m.group(1) + "|" + m.group(2));
        }
        return out;
    }

    private static List<String> byScanner(String text) {
        return Pem.blocks(text).stream().map(b -> b.start() + "|" + b.label() + "|" + b.body()).toList();
    }

    @Test
    void blocksAreFoundExactlyAsTheRegexFoundThem() throws Exception {
        List<String> inputs = new java.util.ArrayList<>(List.of(
                "", "no pem here", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                "-----BEGIN CERTIFICATE-----\nAAAA\n", // no END
                "-----BEGIN CERTIFICATE-----\nA\n-----END PRIVATE KEY-----\nB\n-----END CERTIFICATE-----",
                "-----BEGIN -----\nA\n-----END -----", // empty label
                "-----BEGIN certificate-----\nA\n-----END certificate-----", // lower case
                "-----BEGIN X509 CRL 2-----A-----END X509 CRL 2----------END X509 CRL 2-----",
                "-----BEGIN CERTIFICATE----\nA\n-----END CERTIFICATE-----", // four dashes
                "-----BEGIN A-----x-----BEGIN B-----y-----END B-----z-----END A-----",
                "-----BEGIN A-----x-----BEGIN A-----y-----END A----------END A-----",
                "-----BEGIN -----BEGIN C-----c-----END C-----",
                "--------BEGIN C-----c-----END C-----END C-----",
                "-----BEGIN C-----\r\nc\r\n-----END C-----\r\n-----BEGIN D-----d-----END D-----"));
        for (String name : List.of("valid-chain.crt", "valid.key", "wildcard.key", "rsa2048.key", "encrypted.key",
                "notpem.crt", "brokenchain.crt")) {
            inputs.add(new String(Fixtures.bytes(name), StandardCharsets.US_ASCII));
        }
        // And random strings built from the pieces that matter.
        List<String> pieces = List.of("-----BEGIN ", "-----END ", "-----", "-", "CERTIFICATE", "A", "B 2", " ", "\n",
                "x", "PRIVATE KEY", "-----END A-----", "-----BEGIN A-----", "a");
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int k = random.nextInt(16); k > 0; k--) {
                sb.append(pieces.get(random.nextInt(pieces.size())));
            }
            inputs.add(sb.toString());
        }
        for (String text : inputs) {
            assertEquals(byRegex(text), byScanner(text), text);
        }
    }

    // ---- an unencrypted PKCS#8 key first in the file is read by the JDK's KeyFactory, to the same key ----

    @Test
    void thePkcs8ShortcutGivesTheKeyPemParserGives() throws Exception {
        for (String name : List.of("valid", "sha1", "p384", "multi", "server", "ca")) {
            byte[] pem = Fixtures.bytes(name + ".key");
            assertTrue(new String(pem, StandardCharsets.US_ASCII).startsWith("-----BEGIN PRIVATE KEY-----"), name);
            // A certificate first makes Pem take the PEMParser path for the same key.
            PrivateKey viaParser = Pem.privateKey(concat(Fixtures.bytes("valid.crt"), pem));
            String text = new String(pem, StandardCharsets.US_ASCII);
            for (String variant : List.of(text, "\n\n  " + text, text.replace("\n", "\r\n"))) {
                PrivateKey direct = Pem.privateKey(variant.getBytes(StandardCharsets.US_ASCII));
                assertEquals(keyValue(viaParser), keyValue(direct), name);
            }
        }
    }

    /** What identifies a private key, whichever provider made the object. */
    private static String keyValue(PrivateKey key) {
        if (key instanceof ECPrivateKey ec) {
            return "EC " + ec.getS() + " n=" + ec.getParams().getOrder() + " G=" + ec.getParams().getGenerator().getAffineX();
        }
        RSAPrivateKey rsa = (RSAPrivateKey) key;
        return "RSA " + rsa.getModulus() + " d=" + rsa.getPrivateExponent();
    }

    @Test
    void aPkcs8BlockTheShortcutCannotReadGetsPemParsersAnswer() {
        String key = new String(Fixtures.bytes("valid.key"), StandardCharsets.US_ASCII);
        String[] lines = key.split("\n");
        // No END line: PEMParser's message, as before.
        String noEnd = lines[0] + "\n" + lines[1] + "\n";
        PemException e = assertThrows(PemException.class, () -> Pem.privateKey(noEnd.getBytes(StandardCharsets.US_ASCII)));
        assertTrue(e.getMessage().startsWith("private key PEM is malformed"), e.getMessage());
        // A header line inside the block is PEMParser's to judge too (it reads headers, base64 does not):
        // the answer is the one the PEMParser path gives for the same block behind a certificate.
        String header = lines[0] + "\nComment: x\n" + String.join("\n", java.util.Arrays.copyOfRange(lines, 1, lines.length)) + "\n";
        assertEquals(outcome(header.getBytes(StandardCharsets.US_ASCII)),
                outcome(concat(Fixtures.bytes("valid.crt"), header.getBytes(StandardCharsets.US_ASCII))));
    }

    private static String outcome(byte[] pem) {
        try {
            return java.util.HexFormat.of().formatHex(Pem.privateKey(pem).getEncoded());
        } catch (PemException e) {
            return e.getMessage();
        }
    }

    /** DER of {@code depth} nested constructed elements of {@code tag} (long-form lengths) around a NULL. */
    static byte[] nestedDer(int depth, int tag) {
        byte[] inner = {0x05, 0x00};
        for (int i = 0; i < depth; i++) {
            int n = inner.length;
            byte[] outer = new byte[6 + n];
            outer[0] = (byte) tag;
            outer[1] = (byte) 0x84;
            outer[2] = (byte) (n >>> 24);
            outer[3] = (byte) (n >>> 16);
            outer[4] = (byte) (n >>> 8);
            outer[5] = (byte) n;
            System.arraycopy(inner, 0, outer, 6, n);
            inner = outer;
        }
        return inner;
    }

    static byte[] pem(String label, byte[] der) {
        return ("-----BEGIN " + label + "-----\n" + java.util.Base64.getMimeEncoder().encodeToString(der)
                + "\n-----END " + label + "-----\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** 100,000 nested SEQUENCEs/SETs/tagged elements as a certificate or key: a PemException, never an Error. */
    @Test
    void deeplyNestedDerIsAPemException() {
        for (int tag : new int[] {0x30, 0x31, 0xa0}) {
            byte[] der = nestedDer(100_000, tag);
            PemException cert = assertThrows(PemException.class, () -> Pem.certificates(pem("CERTIFICATE", der)));
            assertTrue(cert.getMessage().startsWith("certificate 1 of 1 does not parse"), cert.getMessage());
            for (String label : List.of("PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY")) {
                PemException key = assertThrows(PemException.class, () -> Pem.privateKey(pem(label, der)), label);
                assertTrue(key.getMessage().startsWith("private key PEM is malformed"), key.getMessage());
            }
        }
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
