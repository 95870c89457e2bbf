package io.gatewarden.rules;

import io.gatewarden.demands.IssuanceReason;
import io.gatewarden.demands.RenewalPolicy;
import io.gatewarden.facts.Facts;
import io.gatewarden.facts.SecretAssessment;
import io.gatewarden.cluster.SecretData;
import io.gatewarden.demands.CredentialRef;
import io.gatewarden.demands.Demands;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.diagnostics.Severity;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.pki.HostCoverage;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * GW301–GW313: does each credential a Gateway names resolve, in the namespace where its
 * proxies run, to a usable certificate for its hosts?
 */
public final class CredentialRules implements Rule {

    @Override
    public Kind kind() {
        return Kind.ISTIO_GATEWAY;
    }

    @Override
    public Set<Code> codes() {
        return Set.of(Code.GW301, Code.GW302, Code.GW303, Code.GW304, Code.GW305, Code.GW306, Code.GW307, Code.GW308, Code.GW309, Code.GW310, Code.GW311, Code.GW312, Code.GW313);
    }

    @Override
    public Set<Kind> reads() {
        return Set.of(Kind.CONFIG_MAP, Kind.ISTIO_GATEWAY, Kind.DESTINATION_RULE, Kind.SECRET, Kind.POD, Kind.DEPLOYMENT, Kind.STATEFUL_SET, Kind.DAEMON_SET);
    }

    @Override
    public void check(Resource resource, Facts facts, List<Diagnostic> out) {
        IstioGateway gw = facts.gateway(resource);
        if (!gw.selector().isEmpty() && facts.workloads(gw.selector()).isEmpty()) {
            out.add(Diagnostic.of(Code.GW301, resource, "spec.selector", "selector " + selectorText(gw)
                    + " matches no gateway pods or workloads in any namespace, so no proxy serves this Gateway; "
                    + "fix the labels to match your gateway deployment (e.g. istio: ingressgateway)"));
        }
        for (CredentialRef ref : Demands.refs(gw, facts)) {
            checkRef(gw, ref, facts, out);
        }
    }

    private void checkRef(IstioGateway gw, CredentialRef ref, Facts facts, List<Diagnostic> out) {
        Resource r = gw.resource();
        if (!ref.resolvable()) {
            String where = ref.fallback()
                    ? "no gateway workload matches " + selectorText(gw) + ", so it is judged against the fallback namespace "
                            + ref.namespace() + "; Istio reads credentials only in the namespace of the gateway pods"
                    : "the gateway pods run in " + ref.namespace() + " and Istio reads credentials only there";
            out.add(Diagnostic.of(Code.GW312, r, ref.field(), "credential refers to namespace " + ref.foreignNamespace()
                    + ", but " + where + "; use kubernetes://" + ref.secretName() + " and keep the secret in "
                    + ref.namespace()));
            return;
        }
        Optional<SecretData> secret = facts.secret(ref.namespace(), ref.secretName());
        if (secret.isEmpty()) {
            missing(gw, ref, facts, out);
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
        String prefix = "secret " + ref.namespace() + "/" + ref.secretName() + " ";
        String reissue = "Gatewarden manages this secret and will re-issue it" + renewal.map(why -> " (" + why.label() + ")").orElse("");
        for (CredentialInspection.Problem p : problems) {
            String fix = "; " + (reissued ? reissue : p.fix());
            out.add(demote(Diagnostic.of(p.code(), r, ref.field(), prefix + p.fact() + fix)
                    .withBrief(prefix + p.briefFact() + fix), reissued));
        }
        if (assessment.parsed() && assessment.keyProblem() == null) {
            List<String> uncovered = ref.dnsNames().stream()
                    .filter(h -> !HostCoverage.covers(assessment.dnsNames(), h)).toList();
            if (!uncovered.isEmpty()) {
                out.add(demote(Diagnostic.of(Code.GW308, r, ref.field(), prefix + "has a certificate for "
                        + (assessment.dnsNames().isEmpty() ? "no DNS names (no subjectAltName)" : assessment.dnsNames())
                        + ", which does not cover " + uncovered, "; clients using that SNI get a name mismatch",
                        ": " + (reissued ? reissue : "reissue it with those names or a matching wildcard")), reissued));
            }
        }
        if (ref.mutual() && !assessment.caPresent()
                && facts.secret(ref.namespace(), ref.secretName() + Demands.CA_SUFFIX).isEmpty()) {
            out.add(demote(Diagnostic.of(Code.GW310, r, ref.field(), prefix + "has no CA to verify client certificates "
                    + "(tls.mode MUTUAL/OPTIONAL_MUTUAL): " + (reissued ? reissue : "add a ca.crt key to it, or create "
                    + "secret " + ref.namespace() + "/" + ref.secretName() + "-cacert with the client CA")), reissued));
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

    private void missing(IstioGateway gw, CredentialRef ref, Facts facts, List<Diagnostic> out) {
        Resource r = gw.resource();
        if (!Demands.validSecretName(ref.secretName())) {
            // No such secret can exist, and none can be provisioned: an error whatever the settings.
            out.add(Diagnostic.of(Code.GW302, r, ref.field(), (ref.secretName().isEmpty() ? "credential names no secret"
                    : "\"" + ref.secretName() + "\" is not a valid Secret name") + ", so Istio finds no credential and "
                    + "Gatewarden cannot provision one; set it to the name of the Secret holding the certificate "
                    + "(lowercase letters, digits, '-' and '.', e.g. my-tls-secret)"));
            return;
        }
        String where = ref.fallback()
                ? "the fallback namespace " + ref.namespace() + " (no gateway workload matches " + selectorText(gw) + ")"
                : ref.namespace() + ", where the gateway pods selected by " + selectorText(gw) + " run";
        List<String> elsewhere = Demands.misplacedCopies(ref, facts);
        if (!elsewhere.isEmpty()) {
            out.add(Diagnostic.of(Code.GW303, r, ref.field(), "secret " + ref.secretName() + " not found in " + where
                    + "; a secret with that name exists in " + String.join(", ", elsewhere)
                    + ", which Istio does not read: create or move it to " + ref.namespace()));
            return;
        }
        if (facts.settings().provisioning() && !ref.dnsNames().isEmpty()) {
            out.add(Diagnostic.of(Code.GW302, r, ref.field(), "secret " + ref.secretName() + " does not exist in "
                    + where + "; Gatewarden will provision it for " + String.join(", ", ref.dnsNames()))
                    .withSeverity(Severity.INFO));
        } else if (facts.settings().provisioning()) {
            out.add(Diagnostic.of(Code.GW302, r, ref.field(), "secret " + ref.secretName() + " not found in " + where
                    + ", and Gatewarden cannot provision a certificate for host '*' alone: list the hosts the server "
                    + "answers for, or create the secret yourself"));
        } else {
            out.add(Diagnostic.of(Code.GW302, r, ref.field(), "secret " + ref.secretName() + " not found in " + where
                    + "; create it there (kubectl -n " + ref.namespace() + " create secret tls " + ref.secretName()
                    + " --cert=... --key=...) or turn on Gatewarden provisioning"));
        }
    }

    private static Diagnostic demote(Diagnostic d, boolean reissued) {
        return reissued && d.severity() != Severity.INFO ? d.withSeverity(Severity.INFO) : d;
    }

    static String selectorText(IstioGateway gw) {
        return gw.selector().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(",", "{", "}"));
    }

}
