package io.gatewarden.rules;

import io.gatewarden.facts.Facts;
import io.gatewarden.demands.CredentialRef;
import io.gatewarden.demands.Demands;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;

import java.util.List;
import java.util.Set;
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
        return Set.of(Kind.CONFIG_MAP, Kind.ISTIO_GATEWAY, Kind.DESTINATION_RULE, Kind.K8S_GATEWAY, Kind.SECRET, Kind.POD,
                Kind.DEPLOYMENT, Kind.STATEFUL_SET, Kind.DAEMON_SET);
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
        String place = ref.fallback()
                ? "the fallback namespace " + ref.namespace() + " (no gateway workload matches " + selectorText(gw) + ")"
                : ref.namespace() + ", where the gateway pods selected by " + selectorText(gw) + " run";
        SecretChecks.check(ref, facts, new SecretChecks.Where(place, ", and Gatewarden cannot provision a certificate "
                + "for host '*' alone: list the hosts the server answers for, or create the secret yourself"),
                (check, severity, subject, rest, briefRest) -> out.add(Diagnostic.of(check, r, ref.field(),
                        subject.isEmpty() ? rest : subject + " " + rest)
                        .withBrief(briefRest == null ? null : subject + " " + briefRest).withSeverity(severity)));
    }

    static String selectorText(IstioGateway gw) {
        return gw.selector().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(",", "{", "}"));
    }

}
