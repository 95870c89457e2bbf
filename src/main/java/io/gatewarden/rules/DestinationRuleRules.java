package io.gatewarden.rules;

import io.gatewarden.facts.Facts;
import io.gatewarden.cluster.Workload;
import io.gatewarden.demands.Demands;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.model.DestinationRule;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * EG606–EG608: the client TLS settings of a DestinationRule that originates TLS (SIMPLE or MUTUAL).
 * <ul>
 *   <li>EG606 the server is not verified: no caCertificates (and no credentialName that applies, i.e. one
 *       with a workloadSelector), or insecureSkipVerify</li>
 *   <li>EG607 MUTUAL without a client certificate: neither clientCertificate+privateKey nor credentialName</li>
 *   <li>EG608 credentialName that no proxy uses: the rule has no workloadSelector (sidecars ignore it), or
 *       its workloadSelector matches no pod in the rule's own namespace (selectors do not cross namespaces)</li>
 * </ul>
 * Whether the credential's secret exists is EG609 ({@link OriginationCredentialRules}).
 */
public final class DestinationRuleRules implements Rule {

    @Override
    public Kind kind() {
        return Kind.DESTINATION_RULE;
    }

    @Override
    public Set<Code> codes() {
        return Set.of(Code.EG606, Code.EG607, Code.EG608);
    }

    @Override
    public Set<Kind> reads() {
        return Set.of(Kind.DESTINATION_RULE, Kind.POD, Kind.DEPLOYMENT, Kind.STATEFUL_SET, Kind.DAEMON_SET);
    }

    @Override
    public void check(Resource resource, Facts facts, List<Diagnostic> out) {
        DestinationRule dr = facts.destinationRule(resource);
        out.addAll(dr.shapeErrors());
        boolean selector = dr.workloadSelector() != null;
        String credentialSample = null;
        for (DestinationRule.Tls tls : dr.tls()) {
            if (tls == null || !tls.originates()) {
                continue;
            }
            verification(dr, tls, selector, out);
            if (tls.mutual()) {
                clientCertificate(dr, tls, out);
            }
            if (tls.hasCredentialName()) {
                if (!selector) {
                    out.add(Diagnostic.of(Code.EG608, resource, tls.path() + ".credentialName", "credentialName \""
                            + tls.credentialName() + "\" without spec.workloadSelector", ": sidecars ignore "
                            + "credentialName and send the traffic to " + host(dr) + " without this client certificate "
                            + "(plaintext if nothing else originates TLS)", "; add workloadSelector.matchLabels "
                            + "selecting the egress gateway pods, and keep this DestinationRule in the gateway's namespace"));
                } else if (credentialSample == null) {
                    credentialSample = tls.credentialName();
                }
            }
        }
        if (credentialSample != null) {
            selectorMatches(dr, credentialSample, facts, out);
        }
    }

    /** EG606. */
    private static void verification(DestinationRule dr, DestinationRule.Tls tls, boolean selector,
                                     List<Diagnostic> out) {
        boolean ca = notEmpty(tls.caCertificates());
        boolean credentialApplies = tls.hasCredentialName() && selector;
        String mode = tls.modeUpper();
        if (tls.insecureSkipVerify()) {
            out.add(Diagnostic.of(Code.EG606, dr.resource(), tls.path() + ".insecureSkipVerify",
                    "insecureSkipVerify is true", ": the proxy originating TLS (" + mode + ") to " + host(dr)
                            + " accepts any server certificate, so anyone on the path can impersonate the server",
                    "; remove insecureSkipVerify" + (ca || credentialApplies ? ""
                            : " and set caCertificates to the server's CA bundle, or credentialName with a "
                            + "workloadSelector and a <name>" + Demands.CA_SUFFIX + " secret")));
            return;
        }
        if (ca || credentialApplies) {
            return;
        }
        String ignored = tls.hasCredentialName()
                ? " (credentialName \"" + tls.credentialName() + "\" does not count: without a workloadSelector "
                + "sidecars ignore it)" : "";
        out.add(Diagnostic.of(Code.EG606, dr.resource(), tls.path() + ".caCertificates", "tls.mode " + mode
                + " without caCertificates", ignored + ": the proxy checks the server certificate of " + host(dr)
                + " only against its system trust store when VERIFY_CERTIFICATE_AT_CLIENT is on, otherwise not "
                + "at all", "; set caCertificates to the server's CA bundle, or use credentialName with a "
                + "workloadSelector and a <name>" + Demands.CA_SUFFIX + " secret"));
    }

    /** EG607. */
    private static void clientCertificate(DestinationRule dr, DestinationRule.Tls tls, List<Diagnostic> out) {
        if (tls.hasCredentialName()) {
            return;
        }
        boolean cert = notEmpty(tls.clientCertificate());
        boolean key = notEmpty(tls.privateKey());
        if (cert && key) {
            return;
        }
        String what;
        if (cert) {
            what = "clientCertificate is set but privateKey is missing";
        } else if (key) {
            what = "privateKey is set but clientCertificate is missing";
        } else {
            what = "neither clientCertificate and privateKey nor credentialName is set";
        }
        out.add(Diagnostic.of(Code.EG607, dr.resource(), tls.path() + ".mode", "tls.mode MUTUAL: " + what
                + ", so the proxy has no client certificate to present and " + host(dr) + " rejects the handshake; "
                + "set both clientCertificate and privateKey, or credentialName (with a workloadSelector selecting "
                + "the egress gateway pods), or use tls.mode SIMPLE if the server does not ask for a client "
                + "certificate"));
    }

    /** EG608 (b): a workloadSelector that selects no pod in the DestinationRule's namespace. */
    private static void selectorMatches(DestinationRule dr, String credentialName, Facts facts,
                                        List<Diagnostic> out) {
        Map<String, String> selector = dr.workloadSelector();
        String ns = dr.resource().namespace();
        Collection<Workload> candidates = selector.isEmpty() ? facts.view().workloads() : facts.workloads(selector);
        TreeMap<String, TreeSet<String>> elsewhere = new TreeMap<>();
        for (Workload w : candidates) {
            if (w == null) {
                continue;
            }
            if (ns.equals(w.namespace())) {
                return;
            }
            if (!selector.isEmpty()) {
                elsewhere.computeIfAbsent(w.namespace(), k -> new TreeSet<>())
                        .add(w.kind() + " " + w.namespace() + "/" + w.name());
            }
        }
        String fact = "workloadSelector " + labels(selector) + " matches no pod in namespace " + ns;
        if (!elsewhere.isEmpty()) {
            List<String> names = new ArrayList<>();
            elsewhere.values().forEach(names::addAll);
            out.add(Diagnostic.of(Code.EG608, dr.resource(), "spec.workloadSelector", fact, ", the only namespace it "
                    + "selects in; pods with these labels run in namespace " + String.join(", ", Messages.limit(elsewhere.keySet()))
                    + " (" + String.join(", ", Messages.limit(names)) + "), but workload selectors do not cross namespaces, so "
                    + "no proxy uses credentialName \"" + credentialName + "\"", ": create this DestinationRule in "
                    + elsewhere.firstKey() + ", with its credential secret there"));
        } else {
            out.add(Diagnostic.of(Code.EG608, dr.resource(), "spec.workloadSelector", fact, ", the only namespace it "
                    + "selects in, so no proxy applies this rule and credentialName \"" + credentialName
                    + "\" is never used", ": correct matchLabels to the labels of the egress gateway pods"));
        }
    }

    private static String host(DestinationRule dr) {
        return dr.host() == null || dr.host().isEmpty() ? "the server" : dr.host();
    }

    private static String labels(Map<String, String> selector) {
        List<String> parts = new ArrayList<>();
        selector.forEach((k, v) -> parts.add(k + ": " + v));
        return "{" + String.join(", ", parts) + "}";
    }

    private static boolean notEmpty(String s) {
        return s != null && !s.isEmpty();
    }
}
