package io.gatewarden.rules;

import io.gatewarden.demands.AssignedName;
import io.gatewarden.demands.CredentialRef;
import io.gatewarden.demands.Demands;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.diagnostics.Severity;
import io.gatewarden.facts.Facts;
import io.gatewarden.model.K8sGateway;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.model.ShapeReader;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * GA701–GA707: the TLS of each Gateway API listener, and the Secrets its certificateRefs name, as
 * istiod reads them: in the ref's namespace (the Gateway's by default), another namespace only through
 * a ReferenceGrant, at most 2 refs (one RSA, one ECDSA), core Secrets only, none on a Passthrough
 * listener. The Secret checks are the GW302–GW313 chain, reported as GA705 with the same severities
 * ({@link SecretChecks}). Also reports the Gateway's wrong-typed fields, under the codes that judge them.
 */
public final class ListenerRules implements Rule {

    @Override
    public Kind kind() {
        return Kind.K8S_GATEWAY;
    }

    @Override
    public Set<Code> codes() {
        // GA706, GA708, GA710, GA711: wrong-typed hostnames, listeners, addresses and classes.
        return Set.of(Code.GA701, Code.GA702, Code.GA703, Code.GA704, Code.GA705, Code.GA706, Code.GA707, Code.GA708,
                Code.GA710, Code.GA711);
    }

    @Override
    public Set<Kind> reads() {
        // CONFIG_MAP: the policy ConfigMaps, read by the Secret checks shared with CredentialRules.
        return Set.of(Kind.K8S_GATEWAY, Kind.REFERENCE_GRANT, Kind.SECRET, Kind.ISTIO_GATEWAY, Kind.DESTINATION_RULE,
                Kind.CONFIG_MAP);
    }

    @Override
    public void check(Resource resource, Facts facts, List<Diagnostic> out) {
        K8sGateway gw = facts.k8sGateway(resource);
        out.addAll(gw.shapeErrors());
        Map<String, CredentialRef> refs = new HashMap<>();
        for (CredentialRef ref : Demands.refs(gw, facts)) {
            refs.put(ref.field(), ref);
        }
        for (K8sGateway.Listener l : gw.listeners()) {
            if (ShapeReader.recordedWithin(gw.shapeErrors(), l.path() + ".tls")) {
                continue; // a tls block that could not be read: its error says what to fix
            }
            K8sGateway.Tls tls = l.tls();
            if (tls != null && !tls.terminate() && !tls.passthrough()) {
                out.add(Diagnostic.of(Code.GA701, resource, tls.path() + ".mode", "\"" + tls.mode() + "\" is not a TLS "
                        + "mode: write Terminate (the gateway serves the certificate) or Passthrough"));
                continue;
            }
            if (tls != null && tls.passthrough()) {
                if (!tls.certificateRefs().isEmpty()) {
                    out.add(Diagnostic.of(Code.GA702, resource, tls.path() + ".certificateRefs", "listener "
                            + l.name() + " passes TLS through to the backends", ", so the certificates it names are "
                            + "never served", ": remove its certificateRefs, or set tls.mode: Terminate"));
                }
                continue;
            }
            if (!l.terminatesTls() && !K8sGateway.HTTPS.equals(l.protocol())) {
                continue;
            }
            if (tls == null || (tls.certificateRefs().isEmpty() && !tls.builtinCertificate())) {
                out.add(missingCertificate(gw, l));
                continue;
            }
            if (tls.certificateRefs().size() > 2) {
                out.add(Diagnostic.of(Code.GA707, resource, tls.path() + ".certificateRefs", tls.certificateRefs().size()
                        + " certificateRefs", ", but Istio serves at most 2 (one RSA, one ECDSA) and marks the listener's "
                        + "TLS invalid", ": keep one RSA and one ECDSA certificate"));
            }
            for (K8sGateway.ObjectReference ref : tls.certificateRefs()) {
                certificateRef(gw, ref, refs.get(ref.path()), facts, out);
            }
        }
    }

    /** GA701: an HTTPS or TLS Terminate listener without a certificate. */
    private static Diagnostic missingCertificate(K8sGateway gw, K8sGateway.Listener l) {
        String name = AssignedName.of(gw.resource().namespace(), gw.resource().name(), l.name() == null ? "" : l.name());
        String refs = "certificateRefs: [{name: " + name + "}]";
        String what = l.tls() == null ? "HTTPS listener " + l.name() + " has no tls block, so Istio skips it: add tls: "
                + "{mode: Terminate, " + refs + "}" : l.protocol() + " listener " + l.name() + " terminates TLS but "
                + "names no certificate: add " + refs;
        return Diagnostic.of(Code.GA701, gw.resource(), l.tls() == null ? l.path() : l.tls().path(), what
                + " (Gatewarden provisions that secret in " + gw.resource().namespace() + "), or name your own Secret");
    }

    /** GA703, GA704, then the Secret's checks as GA705. */
    private static void certificateRef(K8sGateway gw, K8sGateway.ObjectReference ref, CredentialRef credential,
                                       Facts facts, List<Diagnostic> out) {
        Resource r = gw.resource();
        if (!ref.isSecret()) {
            out.add(Diagnostic.of(Code.GA703, r, ref.path(), "certificateRef is a " + ref.groupKind() + ", but Istio "
                    + "reads certificates only from core Secrets: name the Secret that holds tls.crt and tls.key "
                    + "(for cert-manager, the Certificate's spec.secretName)"));
            return;
        }
        if (credential == null) {
            return; // no name: its shape error says so
        }
        if (!credential.permitted()) {
            String local = r.namespace();
            out.add(Diagnostic.of(Code.GA704, r, ref.path(), "certificateRef to secret " + credential.namespace() + "/"
                    + credential.secretName() + ", but no ReferenceGrant in " + credential.namespace() + " lets Gateways of "
                    + local + " read it, so Istio refuses it and Gatewarden provisions nothing: create a ReferenceGrant in "
                    + credential.namespace() + " from {group: gateway.networking.k8s.io, kind: Gateway, namespace: " + local
                    + "} to {group: \"\", kind: Secret, name: " + credential.secretName() + "}"));
            return;
        }
        String place = credential.namespace() + (credential.namespace().equals(r.namespace())
                ? " (the Gateway's namespace, where istiod reads it)" : " (the namespace the certificateRef names)");
        SecretChecks.check(credential, facts, new SecretChecks.Where(place, ", and Gatewarden cannot provision a "
                        + "certificate for a listener without hostname: set the listener's hostname, or create the secret "
                        + "yourself"),
                (check, severity, subject, rest, briefRest) -> out.add(ga705(r, ref.path(), check, severity, subject,
                        rest, briefRest)));
    }

    /** A Secret check as GA705: the message names the GW30x check it stands for, e.g. "secret shop/web (GW306) ...". */
    private static Diagnostic ga705(Resource r, String field, Code check, Severity severity, String subject, String rest,
                                    String briefRest) {
        String head = (subject.isEmpty() ? "" : subject + " ") + "(" + check + ") ";
        return Diagnostic.of(Code.GA705, r, field, head + rest).withBrief(briefRest == null ? null : head + briefRest)
                .withSeverity(severity);
    }
}
