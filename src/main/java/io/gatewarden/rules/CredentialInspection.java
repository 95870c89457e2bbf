package io.gatewarden.rules;

import io.gatewarden.diagnostics.Code;
import io.gatewarden.facts.SecretAssessment;
import io.gatewarden.pki.ChainCheck;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The GW30x chain: what is wrong with the certificate and key in one Secret at one moment,
 * independent of which server uses it, read off the Secret's {@link SecretAssessment} (which the
 * certificate manager's renewal chain reads too).
 */
final class CredentialInspection {

    private CredentialInspection() {
    }

    /**
     * @param fact      what is wrong, e.g. "certificate ... is expired at ..."
     * @param fix       what the user should do about it; a caller replaces it when Gatewarden fixes it
     * @param briefFact the fact in fewer words (no serial numbers, no explanations), for cut places
     */
    record Problem(Code code, String fact, String fix, String briefFact) {
        Problem(Code code, String fact, String fix) {
            this(code, fact, fix, fact);
        }
    }

    /**
     * Every finding at {@code now}.
     *
     * @param renewedByGatewarden the certificate manager renews this Secret before it expires: no GW311
     */
    static List<Problem> problems(SecretAssessment a, Instant now, Duration expiryWarning,
                                  boolean renewedByGatewarden) {
        List<Problem> problems = new ArrayList<>();
        String[] name = a.secretName().split("/", 2);
        if (a.crtKey() == null) {
            problems.add(new Problem(Code.GW304, "has keys " + a.dataKeys()
                    + " but needs non-empty tls.crt and tls.key (or cert and key)", "recreate it with "
                    + "kubectl create secret tls " + name[1] + " -n " + name[0] + " --cert=... --key=..."));
            return problems;
        }
        if (a.crtProblem() != null) {
            problems.add(new Problem(Code.GW305, a.crtKey() + " is not a usable PEM certificate: " + a.crtProblem(),
                    "replace " + a.crtKey() + " with the PEM certificate chain, leaf first"));
            return problems;
        }
        if (a.keyProblem() != null) {
            problems.add(new Problem(Code.GW305, a.keyKey() + " is not a usable PEM private key: " + a.keyProblem(),
                    "replace " + a.keyKey() + " with the certificate's unencrypted PEM private key"));
        } else if (!a.keyMatches()) {
            problems.add(new Problem(Code.GW307, a.keyKey() + " is not the private key of certificate " + a.leaf()
                    + " in " + a.crtKey(), "put the matching key and certificate in the same secret"));
        }
        for (ChainCheck.Problem p : a.chainProblems()) {
            problems.add(new Problem(Code.GW309, a.crtKey() + ": " + p.text(),
                    a.crtKey() + " must hold the leaf certificate first, then each issuer in order",
                    a.crtKey() + ": " + p.what()));
        }
        for (SecretAssessment.Weakness w : a.weaknesses()) {
            problems.add(new Problem(Code.GW313, "certificate " + w.certificate() + " is weak, clients may refuse it: "
                    + w.reason(), "reissue it with a stronger key or signature",
                    "certificate " + w.subject() + " is weak: " + w.reason()));
        }
        String validity = now.isAfter(a.notAfter()) ? " is expired at " + a.notAfter()
                : now.isBefore(a.notBefore()) ? " is not valid before " + a.notBefore() : null;
        if (validity != null) {
            problems.add(new Problem(Code.GW306, "certificate " + a.leaf() + " in " + a.crtKey() + validity,
                    "replace it with a current certificate", "certificate " + a.leafSubject() + " in " + a.crtKey()
                    + validity));
        } else if (!renewedByGatewarden && a.notAfter().isBefore(now.plus(expiryWarning))) {
            String expires = " expires at " + a.notAfter() + " (in " + Duration.between(now, a.notAfter()).toDays()
                    + " days)";
            problems.add(new Problem(Code.GW311, "certificate " + a.leaf() + expires, a.managed()
                    ? "provisioning is off, so nothing renews it: renew it, or set "
                            + "gatewarden.certificates.provision=true"
                    : "renew it, or let Gatewarden manage this secret", "certificate " + a.leafSubject() + expires));
        }
        return problems;
    }
}
