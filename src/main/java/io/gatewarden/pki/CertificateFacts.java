package io.gatewarden.pki;

import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/** Facts about a single certificate worth telling a user: weaknesses and a short description. */
public final class CertificateFacts {

    private static final int MIN_RSA_BITS = 2048;

    // sha1WithRSAEncryption, ecdsa-with-SHA1, dsa-with-sha1, sha1WithRSA (OIW), RSASSA with SHA-1 (OIW)
    private static final Set<String> SHA1_OIDS = Set.of(
            "1.2.840.113549.1.1.5", "1.2.840.10045.4.1", "1.2.840.10040.4.3", "1.3.14.3.2.29", "1.3.14.3.2.27");
    // md2WithRSA, md5WithRSA
    private static final Set<String> MD_OIDS = Set.of("1.2.840.113549.1.1.2", "1.2.840.113549.1.1.4");

    private CertificateFacts() {
    }

    /**
     * Why clients may refuse or distrust this certificate, if they may: an RSA key under 2048 bits,
     * or a SHA-1 (or MD5) signature. Several weaknesses are joined with "; ". Note a self-signed
     * root's own signature is never checked by clients; callers decide whether to ask about roots.
     */
    public static Optional<String> weakness(X509Certificate cert) {
        List<String> found = new ArrayList<>();
        PublicKey key = cert.getPublicKey();
        if (key instanceof RSAPublicKey rsa) {
            int bits = rsa.getModulus().bitLength();
            if (bits < MIN_RSA_BITS) {
                found.add("RSA key of " + bits + " bits (use " + MIN_RSA_BITS + " or more)");
            }
        }
        String oid = cert.getSigAlgOID();
        String name = cert.getSigAlgName();
        String upper = name == null ? "" : name.toUpperCase(Locale.ROOT);
        if (SHA1_OIDS.contains(oid) || upper.startsWith("SHA1WITH")) {
            found.add("SHA-1 signature (" + name + ")");
        } else if (MD_OIDS.contains(oid) || upper.startsWith("MD5WITH") || upper.startsWith("MD2WITH")) {
            found.add("MD5 signature (" + name + ")");
        }
        return found.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", found));
    }

    /** Short subject and serial for messages, e.g. "CN=myapp.example.com (serial 1a2b)". */
    public static String describe(X509Certificate cert) {
        return subject(cert) + " (serial " + cert.getSerialNumber().toString(16) + ")";
    }

    /** "CN=..." when the subject has a common name, otherwise the full RFC 2253 subject. */
    public static String subject(X509Certificate cert) {
        X500Principal principal = cert.getSubjectX500Principal();
        try {
            RDN[] cns = X500Name.getInstance(principal.getEncoded()).getRDNs(BCStyle.CN);
            if (cns.length > 0 && cns[0].getFirst() != null) {
                return "CN=" + IETFUtils.valueToString(cns[0].getFirst().getValue());
            }
        } catch (RuntimeException e) {
            // fall through to the JDK's rendering
        }
        String full = principal.getName(X500Principal.RFC2253);
        return full.isEmpty() ? "(empty subject)" : full;
    }
}
