package io.gatewarden.pki;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.SignatureException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * Order and linkage of the certificates in a tls.crt. Deliberately conservative: without a trust
 * store we cannot know the root, so a leaf alone, leaf + intermediate(s) and leaf + intermediate(s)
 * + root are all fine; only what is provably wrong inside the file is reported.
 */
public final class ChainCheck {

    private ChainCheck() {
    }

    /**
     * One broken link: what is wrong and, when the rest of the file tells, why (in parentheses, with
     * its leading space; empty otherwise).
     */
    public record Problem(String what, String why) {
        public String text() {
            return what + why;
        }
    }

    /** Human-readable problems, empty when the chain is fine. */
    public static List<String> problems(List<X509Certificate> chain) {
        return check(chain).stream().map(Problem::text).toList();
    }

    /** The problems with their explanations apart, for messages that must be short. */
    public static List<Problem> check(List<X509Certificate> chain) {
        List<Problem> problems = new ArrayList<>();
        if (chain == null || chain.isEmpty()) {
            problems.add(new Problem("no certificate in the chain", ""));
            return problems;
        }

        // Leaf not first: servers send the file as is, and clients take the first one as the leaf.
        // When this is wrong, every link below fails too, so report only the cause.
        X509Certificate first = chain.get(0);
        if (isCa(first)) {
            for (int i = 1; i < chain.size(); i++) {
                if (!isCa(chain.get(i))) {
                    problems.add(new Problem(label(0, first) + " is a CA certificate but " + label(i, chain.get(i))
                            + " is not", ": the server (leaf) certificate must come first"));
                    return problems;
                }
            }
        }

        for (int i = 0; i + 1 < chain.size(); i++) {
            X509Certificate cert = chain.get(i);
            X509Certificate next = chain.get(i + 1);
            if (!issuedBy(cert, next)) {
                problems.add(new Problem(label(i, cert) + " is not issued by " + label(i + 1, next), hint(chain, i)));
            }
        }
        return problems;
    }

    /**
     * Whether each certificate names the next one as its issuer (subject/issuer names, and key
     * identifiers where both certificates carry them), with at least one issuer after the leaf: how a
     * certificate Gatewarden issued is laid out. Checks no signature, so it costs no public-key
     * operation: cheap enough for every pass over thousands of managed Secrets.
     */
    public static boolean linkedByName(List<X509Certificate> chain) {
        if (chain == null || chain.size() < 2) {
            return false;
        }
        for (int i = 0; i + 1 < chain.size(); i++) {
            X509Certificate cert = chain.get(i);
            X509Certificate issuer = chain.get(i + 1);
            if (!cert.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
                return false;
            }
            byte[] authority = X509Support.authorityKeyId(cert);
            byte[] subject = X509Support.subjectKeyIdExtension(issuer);
            if (authority != null && subject != null && !java.util.Arrays.equals(authority, subject)) {
                return false;
            }
        }
        return true;
    }

    // Why the link is broken, when the rest of the file tells: the issuer is elsewhere in the list
    // (wrong order) or nowhere (a missing intermediate, or a certificate that does not belong).
    private static String hint(List<X509Certificate> chain, int i) {
        X509Certificate cert = chain.get(i);
        if (issuedBy(cert, cert)) {
            return " (it is a self-signed root, which can only come last)";
        }
        if (cert.getIssuerX500Principal().equals(chain.get(i + 1).getSubjectX500Principal())) {
            return " (the names match but the signature does not verify: a different certificate"
                    + " with the same name, e.g. an old or re-issued CA)";
        }
        for (int j = 0; j < chain.size(); j++) {
            if (j != i && j != i + 1 && issuedBy(cert, chain.get(j))) {
                return " (its issuer is certificate " + (j + 1) + ": put the certificates in order)";
            }
        }
        return " (its issuer " + cert.getIssuerX500Principal().getName() + " is not in the file:"
                + " an intermediate may be missing or a wrong certificate included)";
    }

    /** Subject/issuer names agree and the signature verifies with the issuer's key. */
    static boolean issuedBy(X509Certificate cert, X509Certificate issuer) {
        if (!cert.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
            return false;
        }
        try {
            cert.verify(issuer.getPublicKey());
            return true;
        } catch (SignatureException | InvalidKeyException e) {
            return false;
        } catch (GeneralSecurityException | RuntimeException e) {
            // The JDK cannot check this algorithm; names agree, so do not claim a broken link.
            return true;
        }
    }

    private static boolean isCa(X509Certificate cert) {
        return cert.getBasicConstraints() >= 0;
    }

    private static String label(int index, X509Certificate cert) {
        return "certificate " + (index + 1) + " (" + CertificateFacts.subject(cert) + ")";
    }
}
