package io.gatewarden.pki;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
    private static final String ENCRYPTED =
            "private key is encrypted; Istio needs an unencrypted key";
    private static final Base64.Encoder MIME = Base64.getMimeEncoder(64, new byte[] {'\n'});

    private Pem() {
    }

    /** All CERTIFICATE blocks, in file order. Other blocks (e.g. a key pasted alongside) are ignored. */
    public static List<X509Certificate> certificates(byte[] pem) throws PemException {
        String text = pem == null ? "" : new String(pem, StandardCharsets.US_ASCII);
        List<String> bodies = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            if ("CERTIFICATE".equals(m.group(1))) {
                bodies.add(m.group(2));
            }
        }
        if (bodies.isEmpty()) {
            throw new PemException("no PEM CERTIFICATE block found");
        }
        CertificateFactory factory = x509Factory();
        List<X509Certificate> out = new ArrayList<>(bodies.size());
        for (int i = 0; i < bodies.size(); i++) {
            String where = "certificate " + (i + 1) + " of " + bodies.size() + " does not parse: ";
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(bodies.get(i).strip());
            } catch (IllegalArgumentException e) {
                throw new PemException(where + "invalid base64");
            }
            try {
                out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
            } catch (CertificateException | RuntimeException e) {
                throw new PemException(where + reason(e), e);
            }
        }
        return out;
    }

    /**
     * The first private key in the PEM: PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") or
     * SEC1 ("EC PRIVATE KEY"). Encrypted keys are refused because Istio cannot use them.
     */
    public static PrivateKey privateKey(byte[] pem) throws PemException {
        String text = pem == null ? "" : new String(pem, StandardCharsets.US_ASCII);
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
