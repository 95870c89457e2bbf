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
 * Computed once per Secret and evaluation. Holds no key material after inspection.
 *
 * @param problems  findings about the secret itself (GW304–GW307, GW309, GW311, GW313)
 * @param dnsNames  the leaf's SAN DNS names (empty when the certificate did not parse)
 * @param hasCa     the secret carries a CA bundle under {@code ca.crt} or {@code cacert}
 */
public record CredentialInspection(List<Problem> problems, List<String> dnsNames, boolean hasCa) {

    /**
     * @param fact what is wrong, e.g. "certificate ... is expired at ..."
     * @param fix  what the user should do about it; a caller replaces it when Gatewarden fixes it
     */
    public record Problem(Code code, String fact, String fix) {
        public String message() {
            return fact + "; " + fix;
        }
    }

    static final String[][] KEY_PAIRS = {{"tls.crt", "tls.key"}, {"cert", "key"}};

    public static CredentialInspection of(SecretData secret, Instant now, Duration expiryWarning) {
        List<Problem> problems = new ArrayList<>();
        boolean hasCa = secret.value("ca.crt") != null || secret.value("cacert") != null;
        String[] keys = keyPair(secret);
        if (keys == null) {
            problems.add(new Problem(Code.GW304, "has keys " + new TreeSet<>(secret.data().keySet())
                    + " but needs non-empty tls.crt and tls.key (or cert and key)", "recreate it with "
                    + "kubectl create secret tls " + secret.name() + " -n " + secret.namespace() + " --cert=... --key=..."));
            return new CredentialInspection(problems, List.of(), hasCa);
        }
        List<X509Certificate> chain;
        try {
            chain = Pem.certificates(secret.value(keys[0]));
        } catch (PemException e) {
            problems.add(new Problem(Code.GW305, keys[0] + " is not a usable PEM certificate: " + e.getMessage(),
                    "replace " + keys[0] + " with the PEM certificate chain, leaf first"));
            return new CredentialInspection(problems, List.of(), hasCa);
        }
        X509Certificate leaf = chain.get(0);
        String leafName = CertificateFacts.describe(leaf);
        Validity.problem(leaf, now).ifPresent(p -> problems.add(new Problem(Code.GW306,
                "certificate " + leafName + " in " + keys[0] + " is " + p, "replace it with a current certificate")));
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
        for (String p : ChainCheck.problems(chain)) {
            problems.add(new Problem(Code.GW309, keys[0] + ": " + p,
                    keys[0] + " must hold the leaf certificate first, then each issuer in order"));
        }
        for (X509Certificate c : chain) {
            CertificateFacts.weakness(c).ifPresent(w -> problems.add(new Problem(Code.GW313,
                    "certificate " + CertificateFacts.describe(c) + " is weak, clients may refuse it: " + w,
                    "reissue it with a stronger key or signature")));
        }
        Instant notAfter = leaf.getNotAfter().toInstant();
        if (!secret.managed() && notAfter.isAfter(now) && notAfter.isBefore(now.plus(expiryWarning))) {
            long days = Duration.between(now, notAfter).toDays();
            problems.add(new Problem(Code.GW311, "certificate " + leafName + " expires at " + notAfter + " (in " + days
                    + " days)", "renew it, or let Gatewarden manage this secret"));
        }
        return new CredentialInspection(problems, HostCoverage.dnsNames(leaf), hasCa);
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
