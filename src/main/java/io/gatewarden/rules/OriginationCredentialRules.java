package io.gatewarden.rules;

import io.gatewarden.facts.Facts;
import io.gatewarden.cluster.SecretData;
import io.gatewarden.demands.CredentialRef;
import io.gatewarden.demands.Demands;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.diagnostics.Severity;
import io.gatewarden.model.DestinationRule;
import io.gatewarden.model.CredentialName;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;

import java.util.List;
import java.util.Set;
import java.util.Optional;

/**
 * EG609: does the credential a DestinationRule names for TLS origination resolve where the
 * originating proxies run? Those are the pods its workloadSelector picks, always in its own
 * namespace. MUTUAL needs a client certificate (provisioned by Gatewarden when missing: then
 * info) and, like SIMPLE, the CA that verifies the external server, which only the user has.
 * Without a workloadSelector sidecars ignore the credential (EG608), so this rule is silent.
 */
public final class OriginationCredentialRules implements Rule {

    @Override
    public Kind kind() {
        return Kind.DESTINATION_RULE;
    }

    @Override
    public Set<Code> codes() {
        return Set.of(Code.EG609);
    }

    @Override
    public Set<Kind> reads() {
        return Set.of(Kind.DESTINATION_RULE, Kind.SECRET);
    }

    @Override
    public void check(Resource resource, Facts facts, List<Diagnostic> out) {
        DestinationRule dr = facts.destinationRule(resource);
        if (dr.workloadSelector() == null) {
            return;
        }
        String ns = resource.namespace();
        List<CredentialRef> clients = Demands.clientRefs(dr);
        for (DestinationRule.Tls tls : dr.tls()) {
            if (!tls.originates() || !tls.hasCredentialName()) {
                continue;
            }
            String field = tls.path() + ".credentialName";
            CredentialName name = CredentialName.parse(tls.credentialName());
            if (name.namespace() != null && !name.namespace().equals(ns)) {
                out.add(Diagnostic.of(Code.EG609, resource, field, "credential refers to namespace " + name.namespace()
                        + ", but the proxies this rule selects run in " + ns + " and Istio reads credentials only there; "
                        + "use " + name.name() + " and keep the secret in " + ns));
                continue;
            }
            Optional<SecretData> secret = facts.secret(ns, name.name());
            if (tls.mutual()) {
                clients.stream().filter(c -> c.field().equals(field)).findFirst()
                        .ifPresent(ref -> clientCertificate(resource, ref, secret, facts, out));
            }
            if (!hasCa(secret, facts) && !hasCa(facts.secret(ns, name.name() + Demands.CA_SUFFIX), facts)) {
                out.add(Diagnostic.of(Code.EG609, resource, field, "no CA to verify the server certificate of "
                        + (dr.host() == null ? "spec.host" : dr.host()) + ": neither secret " + ns + "/" + name.name()
                        + Demands.CA_SUFFIX + " nor a ca.crt or cacert key in " + ns + "/" + name.name()
                        + " exists, so the egress gateway cannot complete the TLS handshake; create secret "
                        + name.name() + Demands.CA_SUFFIX + " in " + ns + " with key ca.crt holding the CA that signs "
                        + (dr.host() == null ? "the server" : dr.host()) + "'s certificate (Gatewarden cannot know it)"));
            }
        }
    }

    /** The MUTUAL half: the client certificate and key. */
    private static void clientCertificate(Resource resource, CredentialRef ref, Optional<SecretData> secret, Facts facts,
                                          List<Diagnostic> out) {
        String where = ", where the pods selected by spec.workloadSelector run";
        if (secret.isPresent()) {
            SecretData s = secret.get();
            if (facts.assessment(s).crtKey() == null && !s.managed()) {
                out.add(Diagnostic.of(Code.EG609, resource, ref.field(), "secret " + ref.namespace() + "/"
                        + ref.secretName() + " has no client certificate and key (tls.crt and tls.key, or cert and "
                        + "key), which tls.mode MUTUAL presents to the server; add them, or delete the secret and let "
                        + "Gatewarden provision it"));
            }
            return;
        }
        if (!Demands.validSecretName(ref.secretName())) {
            out.add(Diagnostic.of(Code.EG609, resource, ref.field(), "\"" + ref.secretName() + "\" is not a valid "
                    + "Secret name, so no client certificate can be found or provisioned; use a name such as "
                    + "client-credential"));
            return;
        }
        if (facts.settings().provisioning() && !ref.dnsNames().isEmpty()) {
            out.add(Diagnostic.of(Code.EG609, resource, ref.field(), "client secret " + ref.secretName()
                    + " does not exist in " + ref.namespace(), where + "; it will hold a client certificate for "
                    + ref.dnsNames().get(0), "; Gatewarden will provision it, signed by its CA: make the server trust "
                    + "that CA").withSeverity(Severity.INFO));
        } else {
            out.add(Diagnostic.of(Code.EG609, resource, ref.field(), "client secret " + ref.secretName()
                    + " not found in " + ref.namespace() + where + "; create a kubernetes.io/tls secret there with the "
                    + "client certificate (tls.crt) and key (tls.key) the server expects"
                    + (facts.settings().provisioning() ? "" : ", or turn on Gatewarden provisioning")));
        }
    }

    private static boolean hasCa(Optional<SecretData> secret, Facts facts) {
        return secret.map(s -> facts.assessment(s).caPresent()).orElse(false);
    }
}
