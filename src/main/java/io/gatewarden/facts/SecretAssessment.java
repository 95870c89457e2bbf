package io.gatewarden.facts;

import io.gatewarden.cluster.SecretData;
import io.gatewarden.pki.CertificateFacts;
import io.gatewarden.pki.ChainCheck;
import io.gatewarden.pki.HostCoverage;
import io.gatewarden.pki.KeyMatch;
import io.gatewarden.pki.Pem;
import io.gatewarden.pki.PemException;

import java.security.PrivateKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What one version of a Secret holds, parsed once and shared by admission (the GW30x findings) and
 * the certificate manager (the renewal chain): which keys carry the certificate and key, whether
 * they parse and match, the leaf's names, usages and validity, the chain's layout, weaknesses, and
 * the CA bundle. Keeps no key material and no parsed certificate: only these facts, plus the
 * certificate bytes for the one check that is computed on demand ({@link #chainProblems()}, which
 * verifies signatures and only admission needs).
 *
 * @param secretName    {@code namespace/name}, for messages
 * @param dataKeys      every key of the Secret's data, sorted (for GW304's message)
 * @param crtKey        the key holding the certificate chain: {@code tls.crt}, else {@code cert}; null when
 *                      neither a complete {@code tls.crt}+{@code tls.key} nor {@code cert}+{@code key} pair exists
 * @param keyKey        the key holding the private key, paired with {@code crtKey}
 * @param crtProblem    why {@code crtKey} does not parse as PEM certificates, or null
 * @param keyProblem    why {@code keyKey} does not parse as a PEM private key, or null
 * @param keyMatches    whether the key belongs to the leaf; null unless both parsed
 * @param leaf          a short description of the leaf ("CN=... (serial ...)"), null when it did not parse
 * @param leafSubject   the leaf's subject alone ("CN=..."), for short messages; null when it did not parse
 * @param notBefore     the leaf's notBefore, null when it did not parse
 * @param notAfter      the leaf's notAfter, null when it did not parse
 * @param dnsNames      the leaf's SAN DNS names, empty when it did not parse
 * @param usages        the leaf's extended key usage OIDs; empty when it has none; null when unreadable
 * @param linkedByName  every certificate names the next as its issuer, and a leaf has an issuer after it
 *                      ({@link ChainCheck#linkedByName}): how Gatewarden lays out what it issues
 * @param weaknesses    one entry per certificate with a weak key or signature
 * @param caPresent     a CA bundle under {@code ca.crt} or {@code cacert}
 * @param caParses      that bundle parses as PEM certificates
 * @param issuer        the {@code gatewarden.io/issuer} annotation (fingerprint of the CA that issued a managed
 *                      certificate), or null
 * @param managed       the Secret carries {@code gatewarden.io/managed: "true"}
 */
public record SecretAssessment(String secretName, List<String> dataKeys, String crtKey, String keyKey,
                               String crtProblem, String keyProblem, Boolean keyMatches, String leaf, String leafSubject,
                               Instant notBefore, Instant notAfter, List<String> dnsNames, Set<String> usages,
                               boolean linkedByName, List<Weakness> weaknesses, boolean caPresent, boolean caParses,
                               String issuer, boolean managed, ChainBytes chain) {

    /**
     * @param certificate a short description of the weak certificate, {@code subject} its subject alone,
     *                    {@code reason} what is weak
     */
    public record Weakness(String certificate, String subject, String reason) {
    }

    /** The certificate bytes, for the signature checks computed on demand; never printed. */
    public static final class ChainBytes {
        private final byte[] pem;
        private volatile List<ChainCheck.Problem> problems;

        ChainBytes(byte[] pem) {
            this.pem = pem;
        }

        @Override
        public String toString() {
            return "ChainBytes[" + (pem == null ? 0 : pem.length) + " bytes]";
        }
    }

    static final String[][] KEY_PAIRS = {{"tls.crt", "tls.key"}, {"cert", "key"}};
    static final String[] CA_KEYS = {"ca.crt", "cacert"};
    /** Set by the certificate manager on what it issues (see certificates.ManagedSecret). */
    public static final String ISSUER_ANNOTATION = "gatewarden.io/issuer";

    /** A complete certificate and key pair whose certificate chain parses. */
    public boolean parsed() {
        return leaf != null;
    }

    /** The certificate and the key both parse. */
    public boolean usable() {
        return leaf != null && keyProblem == null && keyMatches != null;
    }

    /**
     * Order and linkage problems of the chain, signatures verified (GW309); computed on first use and
     * kept, since it costs a public-key operation per link.
     */
    public List<ChainCheck.Problem> chainProblems() {
        if (!parsed()) {
            return List.of();
        }
        List<ChainCheck.Problem> p = chain.problems;
        if (p == null) {
            try {
                p = List.copyOf(ChainCheck.check(Pem.certificates(chain.pem)));
            } catch (PemException e) {
                p = List.of(); // parsed when assessed: cannot happen
            }
            chain.problems = p;
        }
        return p;
    }

    /** Assesses each Secret; every key match of the batch is tested at once ({@link KeyMatch#matchAll}). */
    public static List<SecretAssessment> assessAll(List<SecretData> secrets) {
        List<Parsing> parsings = new ArrayList<>(secrets.size());
        List<Parsing> withKeys = new ArrayList<>();
        for (SecretData s : secrets) {
            Parsing p = new Parsing(s);
            parsings.add(p);
            if (p.leaf != null && p.key != null) {
                withKeys.add(p);
            }
        }
        boolean[] matches = KeyMatch.matchAll(withKeys.stream().map(p -> p.leaf).toList(),
                withKeys.stream().map(p -> p.key).toList());
        for (int i = 0; i < matches.length; i++) {
            withKeys.get(i).keyMatches = matches[i];
        }
        return parsings.stream().map(Parsing::assessment).toList();
    }

    public static SecretAssessment of(SecretData secret) {
        return assessAll(List.of(secret)).get(0);
    }

    /** One Secret while it is parsed: the parsed objects live only here. */
    private static final class Parsing {
        final SecretData secret;
        String crtKey;
        String keyKey;
        String crtProblem;
        String keyProblem;
        List<X509Certificate> chain;
        X509Certificate leaf;
        PrivateKey key;
        Boolean keyMatches;

        Parsing(SecretData secret) {
            this.secret = secret;
            for (String[] pair : KEY_PAIRS) {
                if (secret.value(pair[0]) != null && secret.value(pair[1]) != null) {
                    crtKey = pair[0];
                    keyKey = pair[1];
                    break;
                }
            }
            if (crtKey == null) {
                return;
            }
            try {
                chain = Pem.certificates(secret.value(crtKey));
                leaf = chain.get(0);
            } catch (PemException e) {
                crtProblem = e.getMessage();
            }
            try {
                key = Pem.privateKey(secret.value(keyKey));
            } catch (PemException e) {
                keyProblem = e.getMessage();
            }
        }

        SecretAssessment assessment() {
            TreeSet<String> keys = new TreeSet<>(secret.data().keySet());
            byte[] ca = caBundle(secret);
            boolean caParses = false;
            if (ca != null) {
                try {
                    Pem.certificates(ca);
                    caParses = true;
                } catch (PemException e) {
                    caParses = false;
                }
            }
            String name = secret.namespace() + "/" + secret.name();
            if (leaf == null) {
                return new SecretAssessment(name, List.copyOf(keys), crtKey, keyKey, crtProblem, keyProblem, null,
                        null, null, null, null, List.of(), null, false, List.of(), ca != null, caParses, issuer(), secret.managed(),
                        null);
            }
            List<Weakness> weak = new ArrayList<>();
            for (X509Certificate c : chain) {
                CertificateFacts.weakness(c).ifPresent(w -> weak.add(new Weakness(CertificateFacts.describe(c),
                        CertificateFacts.subject(c), w)));
            }
            return new SecretAssessment(name, List.copyOf(keys), crtKey, keyKey, null, keyProblem, keyMatches,
                    CertificateFacts.describe(leaf), CertificateFacts.subject(leaf), leaf.getNotBefore().toInstant(),
                    leaf.getNotAfter().toInstant(),
                    HostCoverage.dnsNames(leaf), usages(leaf), ChainCheck.linkedByName(chain), List.copyOf(weak),
                    ca != null, caParses, issuer(), secret.managed(), new ChainBytes(secret.value(crtKey)));
        }

        private String issuer() {
            String v = secret.annotations() == null ? null : secret.annotations().get(ISSUER_ANNOTATION);
            return v == null ? null : v.strip();
        }

        private static Set<String> usages(X509Certificate leaf) {
            try {
                List<String> eku = leaf.getExtendedKeyUsage();
                return eku == null ? Set.of() : Set.copyOf(eku);
            } catch (CertificateParsingException e) {
                return null;
            }
        }

        private static byte[] caBundle(SecretData secret) {
            for (String k : CA_KEYS) {
                if (secret.value(k) != null) {
                    return secret.value(k);
                }
            }
            return null;
        }
    }
}
