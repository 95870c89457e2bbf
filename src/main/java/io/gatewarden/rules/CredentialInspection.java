package io.gatewarden.rules;

import io.gatewarden.cluster.SecretData;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.pki.CertificateFacts;
import io.gatewarden.pki.ChainCheck;
import io.gatewarden.pki.HostCoverage;
import io.gatewarden.pki.KeyMatch;
import io.gatewarden.pki.Pem;
import io.gatewarden.pki.PemException;
import io.gatewarden.pki.Validity;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * What is wrong with the certificate and key in one Secret, independent of which server uses it.
 * The content checks (parsing, key match, chain, weakness) run once per Secret version and are
 * shared across reviews; the checks that depend on the time run at each {@link #problems} call.
 * Holds no key material after inspection.
 *
 * @param contentProblems findings about the secret's content (GW304, GW305, GW307, GW309, GW313)
 * @param dnsNames  the leaf's SAN DNS names (empty when the certificate did not parse)
 * @param hasCa     the secret carries a CA bundle under {@code ca.crt} or {@code cacert}
 * @param leaf      the parsed leaf certificate, null when it did not parse
 * @param crtKey    the data key holding the certificate (tls.crt or cert)
 */
public record CredentialInspection(List<Problem> contentProblems, List<String> dnsNames, boolean hasCa,
                                   X509Certificate leaf, String crtKey, boolean managed) {

    /**
     * @param fact      what is wrong, e.g. "certificate ... is expired at ..."
     * @param fix       what the user should do about it; a caller replaces it when Gatewarden fixes it
     * @param briefFact the fact in fewer words (no serial numbers, no explanations), for cut places
     */
    public record Problem(Code code, String fact, String fix, String briefFact) {
        Problem(Code code, String fact, String fix) {
            this(code, fact, fix, fact);
        }

        public String message() {
            return fact + "; " + fix;
        }
    }

    static final String[][] KEY_PAIRS = {{"tls.crt", "tls.key"}, {"cert", "key"}};

    /** Every finding at {@code now}: the content problems plus validity (GW306) and expiry (GW311). */
    public List<Problem> problems(Instant now, Duration expiryWarning) {
        if (leaf == null) {
            return contentProblems;
        }
        // Names are formatted only when there is something to say: this runs on every review.
        List<Problem> problems = new ArrayList<>(contentProblems);
        Validity.problem(leaf, now).ifPresent(p -> problems.add(new Problem(Code.GW306,
                "certificate " + CertificateFacts.describe(leaf) + " in " + crtKey + " is " + p,
                "replace it with a current certificate",
                "certificate " + CertificateFacts.subject(leaf) + " in " + crtKey + " is " + p)));
        Instant notAfter = leaf.getNotAfter().toInstant();
        if (!managed && notAfter.isAfter(now) && notAfter.isBefore(now.plus(expiryWarning))) {
            long days = Duration.between(now, notAfter).toDays();
            String expires = " expires at " + notAfter + " (in " + days + " days)";
            problems.add(new Problem(Code.GW311, "certificate " + CertificateFacts.describe(leaf) + expires,
                    "renew it, or let Gatewarden manage this secret", "certificate " + CertificateFacts.subject(leaf)
                    + expires));
        }
        return problems.size() == contentProblems.size() ? contentProblems : problems;
    }

    public static CredentialInspection of(SecretData secret) {
        List<Problem> problems = new ArrayList<>();
        boolean hasCa = secret.value("ca.crt") != null || secret.value("cacert") != null;
        String[] keys = keyPair(secret);
        if (keys == null) {
            problems.add(new Problem(Code.GW304, "has keys " + new TreeSet<>(secret.data().keySet())
                    + " but needs non-empty tls.crt and tls.key (or cert and key)", "recreate it with "
                    + "kubectl create secret tls " + secret.name() + " -n " + secret.namespace() + " --cert=... --key=..."));
            return new CredentialInspection(problems, List.of(), hasCa, null, null, secret.managed());
        }
        List<X509Certificate> chain;
        try {
            chain = Pem.certificates(secret.value(keys[0]));
        } catch (PemException e) {
            problems.add(new Problem(Code.GW305, keys[0] + " is not a usable PEM certificate: " + e.getMessage(),
                    "replace " + keys[0] + " with the PEM certificate chain, leaf first"));
            return new CredentialInspection(problems, List.of(), hasCa, null, keys[0], secret.managed());
        }
        X509Certificate leaf = chain.get(0);
        String leafName = CertificateFacts.describe(leaf);
        try {
            PrivateKey key = Pem.privateKey(secret.value(keys[1]));
            if (!KeyMatch.matches(leaf, key)) {
                problems.add(new Problem(Code.GW307, keys[1] + " is not the private key of certificate " + leafName
                        + " in " + keys[0], "put the matching key and certificate in the same secret"));
            }
        } catch (PemException e) {
            problems.add(new Problem(Code.GW305, keys[1] + " is not a usable PEM private key: " + e.getMessage(),
                    "replace " + keys[1] + " with the certificate's unencrypted PEM private key"));
        }
        for (ChainCheck.Problem p : ChainCheck.check(chain)) {
            problems.add(new Problem(Code.GW309, keys[0] + ": " + p.text(),
                    keys[0] + " must hold the leaf certificate first, then each issuer in order", keys[0] + ": " + p.what()));
        }
        for (X509Certificate c : chain) {
            CertificateFacts.weakness(c).ifPresent(w -> problems.add(new Problem(Code.GW313,
                    "certificate " + CertificateFacts.describe(c) + " is weak, clients may refuse it: " + w,
                    "reissue it with a stronger key or signature",
                    "certificate " + CertificateFacts.subject(c) + " is weak: " + w)));
        }
        return new CredentialInspection(List.copyOf(problems), HostCoverage.dnsNames(leaf), hasCa, leaf, keys[0],
                secret.managed());
    }

    /** The certificate and key entry names in use, or null when neither pair is complete. */
    private static String[] keyPair(SecretData secret) {
        for (String[] pair : KEY_PAIRS) {
            if (secret.value(pair[0]) != null && secret.value(pair[1]) != null) {
                return pair;
            }
        }
        return null;
    }
}
