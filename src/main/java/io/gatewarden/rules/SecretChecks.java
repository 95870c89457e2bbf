package io.gatewarden.rules;

import io.gatewarden.cluster.SecretData;
import io.gatewarden.demands.CredentialRef;
import io.gatewarden.demands.Demands;
import io.gatewarden.demands.IssuanceReason;
import io.gatewarden.demands.RenewalPolicy;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Severity;
import io.gatewarden.facts.Facts;
import io.gatewarden.facts.SecretAssessment;
import io.gatewarden.pki.HostCoverage;

import java.util.List;
import java.util.Optional;

/**
 * The checks of the Secret one resolvable credential reference names, in the namespace Istio reads it
 * from: GW302/GW303 (missing, or misplaced), the GW30x chain over its contents
 * ({@link CredentialInspection}), GW308 (names) and GW310 (client CA). An Istio Gateway reports each
 * under its own code; a Gateway API listener reports them all as GA705 with the same severities
 * ({@link Report}). A broken Secret that Gatewarden manages and will re-issue is info, never the user's problem.
 */
final class SecretChecks {

    /**
     * Where one finding goes. {@code subject} ("secret ns/name", or "" when the message is about the
     * reference itself) starts the message, {@code rest} follows it; {@code briefRest}, when not null, is
     * {@code rest} in fewer words for places that cut (see {@code Diagnostic#brief}).
     */
    interface Report {
        void add(Code check, Severity severity, String subject, String rest, String briefRest);
    }

    /**
     * How the missing-secret messages say where it was looked for, e.g. "istio-system, where the gateway
     * pods selected by {istio=ingressgateway} run", and what to do when no DNS name can be certified.
     */
    record Where(String place, String noHostsFix) {
    }

    private SecretChecks() {
    }

    static void check(CredentialRef ref, Facts facts, Where where, Report report) {
        Optional<SecretData> secret = facts.secret(ref.namespace(), ref.secretName());
        if (secret.isEmpty()) {
            missing(ref, facts, where, report);
            return;
        }
        SecretData s = secret.get();
        SecretAssessment assessment = facts.assessment(s);
        Optional<IssuanceReason> renewal = renewal(assessment, ref, facts);
        boolean renewed = s.managed() && facts.settings().provisioning();
        List<CredentialInspection.Problem> problems = CredentialInspection.problems(assessment,
                facts.settings().clock().instant(), facts.settings().expiryWarning(), renewed);
        // A broken secret that Gatewarden owns is re-issued by the certificate manager, not the user's problem;
        // said only when its renewal chain has a reason to re-issue now, so the promise is kept.
        boolean reissued = renewal.isPresent();
        String subject = "secret " + ref.namespace() + "/" + ref.secretName();
        String reissue = "Gatewarden manages this secret and will re-issue it" + renewal.map(why -> " (" + why.label() + ")").orElse("");
        for (CredentialInspection.Problem p : problems) {
            String fix = "; " + (reissued ? reissue : p.fix());
            report.add(p.code(), severity(p.code(), reissued), subject, p.fact() + fix, p.briefFact() + fix);
        }
        if (assessment.parsed() && assessment.keyProblem() == null) {
            List<String> uncovered = ref.dnsNames().stream()
                    .filter(h -> !HostCoverage.covers(assessment.dnsNames(), h)).toList();
            if (!uncovered.isEmpty()) {
                String fact = "has a certificate for " + (assessment.dnsNames().isEmpty()
                        ? "no DNS names (no subjectAltName)" : assessment.dnsNames()) + ", which does not cover " + uncovered;
                String fix = ": " + (reissued ? reissue : "reissue it with those names or a matching wildcard");
                report.add(Code.GW308, severity(Code.GW308, reissued), subject,
                        fact + "; clients using that SNI get a name mismatch" + fix, fact + fix);
            }
        }
        if (ref.mutual() && !assessment.caPresent()
                && facts.secret(ref.namespace(), ref.secretName() + Demands.CA_SUFFIX).isEmpty()) {
            report.add(Code.GW310, severity(Code.GW310, reissued), subject, "has no CA to verify client certificates "
                    + "(tls.mode MUTUAL/OPTIONAL_MUTUAL): " + (reissued ? reissue : "add a ca.crt key to it, or create "
                    + "secret " + ref.namespace() + "/" + ref.secretName() + "-cacert with the client CA"), null);
        }
    }

    /**
     * The reason the certificate manager will re-issue this Secret now, asked of the same renewal chain
     * it runs (with the demand of every resource naming the Secret); empty when it will not, or when it
     * does not manage the Secret or provisioning is off.
     */
    private static Optional<IssuanceReason> renewal(SecretAssessment assessment, CredentialRef ref, Facts facts) {
        if (!assessment.managed() || !facts.settings().provisioning()) {
            return Optional.empty();
        }
        return Demands.demandFor(facts, ref.namespace(), ref.secretName())
                .flatMap(d -> new RenewalPolicy(facts.settings().renewal())
                        .judge(Optional.of(assessment), d, null, facts.settings().clock().instant()).reason());
    }

    private static void missing(CredentialRef ref, Facts facts, Where where, Report report) {
        if (!Demands.validSecretName(ref.secretName())) {
            // No such secret can exist, and none can be provisioned: an error whatever the settings.
            report.add(Code.GW302, Severity.ERROR, "", (ref.secretName().isEmpty() ? "credential names no secret"
                    : "\"" + ref.secretName() + "\" is not a valid Secret name") + ", so Istio finds no credential and "
                    + "Gatewarden cannot provision one; set it to the name of the Secret holding the certificate "
                    + "(lowercase letters, digits, '-' and '.', e.g. my-tls-secret)", null);
            return;
        }
        String subject = "secret " + ref.secretName();
        List<String> elsewhere = Demands.misplacedCopies(ref, facts);
        if (!elsewhere.isEmpty()) {
            report.add(Code.GW303, Severity.ERROR, subject, "not found in " + where.place()
                    + "; a secret with that name exists in " + String.join(", ", elsewhere)
                    + ", which Istio does not read: create or move it to " + ref.namespace(), null);
        } else if (facts.settings().provisioning() && !ref.dnsNames().isEmpty()) {
            report.add(Code.GW302, Severity.INFO, subject, "does not exist in " + where.place()
                    + "; Gatewarden will provision it for " + String.join(", ", ref.dnsNames()), null);
        } else if (facts.settings().provisioning()) {
            report.add(Code.GW302, Severity.ERROR, subject, "not found in " + where.place() + where.noHostsFix(), null);
        } else {
            report.add(Code.GW302, Severity.ERROR, subject, "not found in " + where.place() + "; create it there (kubectl -n "
                    + ref.namespace() + " create secret tls " + ref.secretName() + " --cert=... --key=...) or turn on "
                    + "Gatewarden provisioning", null);
        }
    }

    /** The check's own severity, or info when Gatewarden re-issues the Secret. */
    private static Severity severity(Code check, boolean reissued) {
        return reissued ? Severity.INFO : check.defaultSeverity();
    }
}
