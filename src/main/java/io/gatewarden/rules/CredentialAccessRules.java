package io.gatewarden.rules;

import io.gatewarden.cluster.SecretAccess;
import io.gatewarden.cluster.Workload;
import io.gatewarden.demands.CredentialRef;
import io.gatewarden.demands.Demands;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.facts.Facts;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * GW314: the secret exists where Istio reads it, and still does not resolve. Before istiod serves a gateway
 * proxy the credentials its servers name, it asks the API server (a SubjectAccessReview, cached a minute) whether
 * the proxy's ServiceAccount may {@code list} {@code secrets} in the proxy's namespace
 * (pilot/pkg/credentials/kube {@code Authorize}); when not, it logs
 * {@code attempted to access unauthorized certificates NAME: SA/NS is not authorized to read secrets}, the
 * listener has no certificate and clients get a reset during the handshake. CA-only secrets ({@code -cacert})
 * are served without that check. The certificate manager reports the same finding as a Warning Event.
 */
public final class CredentialAccessRules implements Rule {

    @Override
    public Kind kind() {
        return Kind.ISTIO_GATEWAY;
    }

    @Override
    public Set<Code> codes() {
        return Set.of(Code.GW314);
    }

    @Override
    public Set<Kind> reads() {
        Set<Kind> kinds = EnumSet.of(Kind.ISTIO_GATEWAY);
        kinds.addAll(Kind.WORKLOADS);
        kinds.addAll(Kind.RBAC);
        return kinds;
    }

    @Override
    public void check(Resource resource, Facts facts, List<Diagnostic> out) {
        IstioGateway gw = facts.gateway(resource);
        Map<String, List<CredentialRef>> byNamespace = new LinkedHashMap<>();
        for (CredentialRef ref : Demands.refs(gw, facts)) {
            if (ref.resolvable() && !ref.fallback() && !ref.secretName().endsWith(Demands.CA_SUFFIX)) {
                byNamespace.computeIfAbsent(ref.namespace(), ns -> new ArrayList<>()).add(ref);
            }
        }
        List<Workload> workloads = byNamespace.isEmpty() ? List.of() : facts.workloads(gw.selector());
        for (Map.Entry<String, List<CredentialRef>> e : byNamespace.entrySet()) {
            String ns = e.getKey();
            Set<String> accounts = new TreeSet<>();
            workloads.stream().filter(w -> w.namespace().equals(ns)).forEach(w -> accounts.add(w.serviceAccount()));
            for (String sa : accounts) {
                SecretAccess access = facts.secretAccess(ns, sa);
                if (access.denied()) {
                    out.add(finding(gw, ns, sa, access, e.getValue()));
                }
            }
        }
    }

    private static Diagnostic finding(IstioGateway gw, String ns, String sa, SecretAccess access, List<CredentialRef> refs) {
        Set<String> names = new TreeSet<>();
        refs.forEach(r -> names.add(r.secretName()));
        String credentials = String.join(", ", Messages.limit(names));
        String fact = "ServiceAccount " + ns + "/" + sa + ", which the gateway pods selected by "
                + CredentialRules.selectorText(gw) + " run as, may not list secrets in " + ns;
        String why = " (" + access.detail() + "), so istiod refuses to serve " + credentials + " to them (log: "
                + "\"attempted to access unauthorized certificates " + credentials + ": " + sa + "/" + ns + " is not "
                + "authorized to read secrets\") and clients get a connection reset in the TLS handshake";
        String role = "gateway-credentials";
        String fix = ": grant it get, list and watch on secrets in " + ns + " with a Role and RoleBinding, as Istio's "
                + "gateway chart does (kubectl -n " + ns + " create role " + role + " --verb=get,list,watch "
                + "--resource=secrets; kubectl -n " + ns + " create rolebinding " + role + " --role=" + role
                + " --serviceaccount=" + ns + ":" + sa + ")";
        return Diagnostic.of(Code.GW314, gw.resource(), refs.get(0).field(), fact, why, fix);
    }
}
