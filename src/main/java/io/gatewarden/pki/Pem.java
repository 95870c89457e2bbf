package io.gatewarden.pki;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/** Reading and writing PEM certificates and private keys, as found in tls.crt / tls.key / ca.crt. */
public final class Pem {

    // Certificates are scanned by hand (rather than with PEMParser) so that every CERTIFICATE block
    // can be counted and a broken one reported by its position, as users see it in their file.
    private static final String BEGIN = "-----BEGIN ";
    private static final String DASHES = "-----";
    private static final String ENCRYPTED =
            "private key is encrypted; Istio needs an unencrypted key";
    private static final Base64.Encoder MIME = Base64.getMimeEncoder(64, new byte[] {'\n'});
    /**
     * Chain certificates (every block after the first) by their PEM body: each managed tls.crt ends
     * with the same CA block, and reading it again per Secret (base64, then the JDK's own
     * certificate cache, which hashes the DER under a global lock) cost more than a string lookup.
     * The same text always gives the same certificate. Bounded: once full, nothing more is kept.
     */
    private static final Map<String, X509Certificate> CHAIN = new ConcurrentHashMap<>();
    private static final int CHAIN_MAX = 64;

    private Pem() {
    }

    /** All CERTIFICATE blocks, in file order. Other blocks (e.g. a key pasted alongside) are ignored. */
    public static List<X509Certificate> certificates(byte[] pem) throws PemException {
        String text = pem == null ? "" : new String(pem, StandardCharsets.US_ASCII);
        List<String> bodies = new ArrayList<>();
        for (Block b : blocks(text)) {
            if ("CERTIFICATE".equals(b.label())) {
                bodies.add(b.body());
            }
        }
        if (bodies.isEmpty()) {
            throw new PemException("no PEM CERTIFICATE block found");
        }
        CertificateFactory factory = null;
        List<X509Certificate> out = new ArrayList<>(bodies.size());
        for (int i = 0; i < bodies.size(); i++) {
            X509Certificate known = i > 0 ? CHAIN.get(bodies.get(i)) : null; // a leaf is new: not worth hashing
            if (known != null) {
                out.add(known);
                continue;
            }
            factory = factory != null ? factory : x509Factory();
            String where = "certificate " + (i + 1) + " of " + bodies.size() + " does not parse: ";
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(bodies.get(i).strip());
            } catch (IllegalArgumentException e) {
                throw new PemException(where + "invalid base64");
            }
            X509Certificate cert;
            try {
                cert = (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der));
            } catch (CertificateException | RuntimeException e) {
                throw new PemException(where + reason(e), e);
            }
            if (i > 0 && CHAIN.size() < CHAIN_MAX) {
                CHAIN.put(bodies.get(i), cert);
            }
            out.add(cert);
        }
        return out;
    }

    /**
     * The first private key in the PEM: PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") or
     * SEC1 ("EC PRIVATE KEY"). Encrypted keys are refused because Istio cannot use them.
     */
    public static PrivateKey privateKey(byte[] pem) throws PemException {
        String text = pem == null ? "" : new String(pem, StandardCharsets.US_ASCII);
        PrivateKey plain = plainPkcs8(text);
        if (plain != null) {
            return plain;
        }
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            Object o;
            while ((o = readNext(parser)) != null) {
                if (o instanceof PKCS8EncryptedPrivateKeyInfo || o instanceof PEMEncryptedKeyPair) {
                    throw new PemException(ENCRYPTED);
                }
                if (o instanceof PEMKeyPair pair) {
                    return convert(pair.getPrivateKeyInfo());
                }
                if (o instanceof PrivateKeyInfo info) {
                    return convert(info);
                }
                // Anything else (certificates, EC PARAMETERS, ...) is not the key: skip it.
            }
        } catch (IOException e) {
            throw new PemException("private key PEM is malformed", e);
        }
        throw new PemException("no PEM private key block found");
    }

    /** Certificates as PEM, in the given order (leaf first for a serving chain). */
    public static String encode(X509Certificate... certificates) {
        StringBuilder sb = new StringBuilder();
        for (X509Certificate c : certificates) {
            try {
                sb.append(block("CERTIFICATE", c.getEncoded()));
            } catch (CertificateEncodingException e) {
                // A certificate object we hold was parsed or built from valid DER, so this is a bug.
                throw new IllegalArgumentException("certificate cannot be encoded", e);
            }
        }
        return sb.toString();
    }

    /** The key as unencrypted PKCS#8 PEM ("PRIVATE KEY"), the format Istio and every TLS stack read. */
    public static String encode(PrivateKey key) {
        if (!"PKCS#8".equalsIgnoreCase(key.getFormat()) || key.getEncoded() == null) {
            throw new IllegalArgumentException("private key has no PKCS#8 encoding (format "
                    + key.getFormat() + ")");
        }
        return block("PRIVATE KEY", key.getEncoded());
    }

    private static String block(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + MIME.encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static Object readNext(PEMParser parser) throws PemException {
        try {
            return parser.readObject();
        } catch (IOException | RuntimeException e) {
            // BC reports e.g. an "ENCRYPTED PRIVATE KEY" with a broken body this way too; the message
            // names the structure only, never its content.
            throw new PemException("private key PEM is malformed: " + reason(e), e);
        }
    }

    /**
     * The key when the PEM is just what Gatewarden writes, an unencrypted PKCS#8 EC or RSA key first
     * in the text, read by the JDK's KeyFactory for that type; else null, and {@link #privateKey}
     * reads it the full way (so every message about a broken key stays that path's). PEMParser and
     * BouncyCastle's key converter cost ~7 of a ~9 µs read, more while the JIT is cold: the
     * converter asks for an "ECDSA" KeyFactory first, which the JDK does not have, so each EC key
     * cost an exception. The JDK's providers are the ones Gatewarden generates keys with.
     */
    private static PrivateKey plainPkcs8(String text) {
        if (!text.stripLeading().startsWith(BEGIN + "PRIVATE KEY" + DASHES)) {
            return null;
        }
        List<Block> blocks = blocks(text);
        if (blocks.isEmpty() || blocks.get(0).start() != text.indexOf(BEGIN)) {
            return null; // the first block has no END line
        }
        String body = blocks.get(0).body();
        if (body.indexOf(':') >= 0) {
            return null; // PEM headers: leave them to PEMParser
        }
        try {
            byte[] der = Base64.getMimeDecoder().decode(body.strip());
            String type = pkcs8KeyType(der);
            return type == null ? null : KeyFactory.getInstance(type).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            return null;
        }
    }

    private static final byte[] EC_OID = {0x06, 0x07, 0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x02, 0x01};
    private static final byte[] RSA_OID = {0x06, 0x09, 0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xF7, 0x0D, 0x01,
            0x01, 0x01};

    /**
     * "EC" or "RSA" when a PKCS#8 PrivateKeyInfo (SEQUENCE { INTEGER version, SEQUENCE { OID, ... }, ... })
     * names id-ecPublicKey or rsaEncryption, else null. Only picks the KeyFactory: the structure
     * itself is checked by the KeyFactory's own parser.
     */
    private static String pkcs8KeyType(byte[] der) {
        int p = contentOf(der, 0, 0x30);
        if (p < 0 || p + 3 > der.length || der[p] != 0x02 || der[p + 1] != 0x01) {
            return null;
        }
        p = contentOf(der, p + 3, 0x30);
        return p < 0 ? null : startsWithAt(der, p, EC_OID) ? "EC" : startsWithAt(der, p, RSA_OID) ? "RSA" : null;
    }

    /** Where the content of the DER element at {@code at} starts, when its tag is {@code tag}; else -1. */
    private static int contentOf(byte[] der, int at, int tag) {
        if (at + 2 > der.length || der[at] != tag) {
            return -1;
        }
        int length = der[at + 1] & 0xff;
        return length < 0x80 ? at + 2 : at + 2 + (length & 0x7f);
    }

    private static boolean startsWithAt(byte[] der, int at, byte[] prefix) {
        return at + prefix.length <= der.length
                && Arrays.equals(der, at, at + prefix.length, prefix, 0, prefix.length);
    }

    /** A PEM block: where it starts, the label between BEGIN and its dashes, and everything up to its END line. */
    record Block(int start, String label, String body) {
    }

    /**
     * The blocks, in order, exactly as the regex {@code -----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----}
     * (DOTALL) would find them, with indexOf instead: the regex cost ~11 µs per tls.crt, most of a
     * certificate read after the DER parse. A BEGIN line without a well-formed label or without its
     * END is skipped, and the search goes on after it.
     */
    static List<Block> blocks(String text) { // package-private: PemTest compares it with the regex
        List<Block> blocks = new ArrayList<>();
        int from = 0;
        int begin;
        while ((begin = text.indexOf(BEGIN, from)) >= 0) {
            int labelStart = begin + BEGIN.length();
            int labelEnd = labelStart;
            while (labelEnd < text.length() && isLabelChar(text.charAt(labelEnd))) {
                labelEnd++;
            }
            String label = text.substring(labelStart, labelEnd);
            String end = "-----END " + label + DASHES;
            int endAt = label.isEmpty() || !text.startsWith(DASHES, labelEnd) ? -1
                    : text.indexOf(end, labelEnd + DASHES.length());
            if (endAt < 0) {
                from = begin + 1;
                continue;
            }
            blocks.add(new Block(begin, label, text.substring(labelEnd + DASHES.length(), endAt)));
            from = endAt + end.length();
        }
        return blocks;
    }

    private static boolean isLabelChar(char c) {
        return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ' ';
    }

    private static PrivateKey convert(PrivateKeyInfo info) throws PemException {
        try {
            return new JcaPEMKeyConverter().getPrivateKey(info);
        } catch (PEMException | RuntimeException jdkFailed) {
            // The JDK may not know the algorithm or curve; BouncyCastle knows more of them.
            try {
                return new JcaPEMKeyConverter().setProvider(BouncyCastle.provider()).getPrivateKey(info);
            } catch (PEMException | RuntimeException e) {
                throw new PemException("private key does not parse: " + reason(e), e);
            }
        }
    }

    private static CertificateFactory x509Factory() {
        try {
            return CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
        }
    }

    // The innermost message is the plain reason ("Empty input"), without the wrappers' class-name
    // prefixes. JDK/BC parser messages describe the structure, never the bytes.
    private static String reason(Throwable e) {
        String msg = null;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                msg = t.getMessage();
            }
        }
        return msg == null || INTERNAL.matcher(msg).find() ? "the encoded structure is corrupt or of an unsupported type" : msg;
    }

    /** Parser messages that describe library internals (NPEs, class names), useless to a user. */
    private static final java.util.regex.Pattern INTERNAL =
            java.util.regex.Pattern.compile("Cannot invoke|getInstance|org\\.bouncycastle|java\\.|\\$|\\(\\)");
}
