package io.gatewarden.demands;

import io.gatewarden.diagnostics.ObjectRef;
import io.gatewarden.model.DestinationRule;
import io.gatewarden.model.Hosts;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.rules.Facts;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** Derives which credentials the resources need, and where: the one derivation of that fact. */
public final class Demands {
    static final String SDS_PREFIX = "kubernetes://";
    /** Istio reads a credential's CA from a secret named like it plus this suffix, when present. */
    public static final String CA_SUFFIX = "-cacert";
    private static final Pattern SECRET_NAME =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private Demands() {
    }

    /**
     * The credentials one Gateway names, per workload namespace, including references that
     * Istio cannot resolve (see {@link CredentialRef#foreignNamespace()}).
     */
    public static List<CredentialRef> refs(IstioGateway gw, Facts facts) {
        List<CredentialRef> refs = new ArrayList<>();
        List<String> namespaces = facts.credentialNamespaces(gw);
        boolean fallback = facts.workloadNamespaces(gw).isEmpty();
        for (IstioGateway.Server server : gw.servers()) {
            // An unset mode is PASSTHROUGH to Istio: no credential is read (GW204 warns).
            if (server == null || server.tls() == null || !server.tls().servesOwnCertificate()) {
                continue;
            }
            List<String> dnsNames = dnsNames(server.hosts());
            boolean mutual = server.tls().tlsMode().verifiesClients();
            for (Map.Entry<String, String> cred : server.tls().credentials()) {
                SecretName name = SecretName.parse(cred.getValue());
                for (String ns : namespaces) {
                    String foreign = name.namespace() == null || name.namespace().equals(ns) ? null : name.namespace();
                    refs.add(new CredentialRef(gw.resource(), server.path() + ".tls." + cred.getKey(), ns,
                            name.name(), dnsNames, mutual, fallback, foreign,
                            gw.resource().annotations().get(CredentialRef.KEY_ALGORITHM_ANNOTATION),
                            CredentialDemand.Purpose.SERVER));
                }
            }
        }
        return refs;
    }

    /**
     * The client credentials a DestinationRule names for MUTUAL origination at the proxies its
     * workloadSelector picks. Those proxies run in the rule's own namespace (Istio's workload
     * selectors do not cross namespaces), so that is where the secret must be. Without a
     * workloadSelector sidecars ignore credentialName (EG608) and nothing is provisioned; SIMPLE
     * origination reads only a CA, which Gatewarden cannot invent (EG609).
     * The certificate's one DNS name, {@code <secret>.<namespace>}, identifies the client.
     */
    public static List<CredentialRef> clientRefs(DestinationRule dr) {
        if (dr.workloadSelector() == null) {
            return List.of();
        }
        List<CredentialRef> refs = new ArrayList<>();
        String ns = dr.resource().namespace();
        for (DestinationRule.Tls tls : dr.tls()) {
            if (!tls.mutual() || !tls.hasCredentialName()) {
                continue;
            }
            SecretName name = SecretName.parse(tls.credentialName());
            String foreign = name.namespace() == null || name.namespace().equals(ns) ? null : name.namespace();
            String identity = (name.name() + "." + ns).toLowerCase(Locale.ROOT);
            refs.add(new CredentialRef(dr.resource(), tls.path() + ".credentialName", ns, name.name(),
                    Hosts.dnsNameProblem(identity).isEmpty() ? List.of(identity) : List.of(), false, false, foreign,
                    dr.resource().annotations().get(CredentialRef.KEY_ALGORITHM_ANNOTATION),
                    CredentialDemand.Purpose.CLIENT));
        }
        return refs;
    }

    /** Every credential reference in the view: Gateway servers' and DestinationRules' client credentials. */
    public static List<CredentialRef> allRefs(Facts facts) {
        List<CredentialRef> refs = new ArrayList<>();
        for (IstioGateway gw : facts.gateways()) {
            refs.addAll(refs(gw, facts));
        }
        for (DestinationRule dr : facts.destinationRules()) {
            refs.addAll(clientRefs(dr));
        }
        return refs;
    }

    /**
     * Namespaces holding a secret named like the ref's where the ref's Gateway has no proxies: a
     * copy Istio does not read for this Gateway, likely the user's certificate in the wrong place
     * (GW303). A copy in another of the Gateway's own workload namespaces is not misplaced.
     */
    public static List<String> misplacedCopies(CredentialRef ref, Facts facts) {
        if (ref.purpose() == CredentialDemand.Purpose.CLIENT) {
            return List.of(); // client secrets of one name in several egress namespaces are normal
        }
        List<String> own = facts.credentialNamespaces(facts.gateway(ref.owner()));
        return facts.namespacesWithSecret(ref.secretName()).stream()
                .filter(ns -> !ns.equals(ref.namespace()) && !own.contains(ns)).toList();
    }

    /** Every credential the resources in the view need, grouped by namespace and secret name. */
    public static List<CredentialDemand> all(Facts facts) {
        Map<String, List<CredentialRef>> grouped = new TreeMap<>();
        for (CredentialRef ref : allRefs(facts)) {
            if (ref.resolvable()) {
                grouped.computeIfAbsent(ref.namespace() + "/" + ref.secretName(), k -> new ArrayList<>()).add(ref);
            }
        }
        List<CredentialDemand> demands = new ArrayList<>();
        for (List<CredentialRef> refs : grouped.values()) {
            TreeSet<String> names = new TreeSet<>();
            TreeMap<ObjectRef, String> owners = new TreeMap<>(CredentialDemand.ORDER); // owner -> requested key algorithm
            boolean ca = false;
            boolean server = false;
            boolean client = false;
            for (CredentialRef r : refs) {
                names.addAll(r.dnsNames());
                owners.merge(r.owner().ref(), r.keyAlgorithm() == null ? "" : r.keyAlgorithm(), (a, b) -> a);
                ca |= r.mutual();
                server |= r.purpose().server();
                client |= r.purpose().client();
            }
            String algorithm = owners.values().stream().filter(a -> !a.isEmpty()).findFirst().orElse(null);
            CredentialRef first = refs.get(0);
            demands.add(new CredentialDemand(first.namespace(), first.secretName(), List.copyOf(names), ca,
                    CredentialDemand.Purpose.of(server, client), List.copyOf(owners.keySet()), algorithm));
        }
        return demands;
    }

    /** A Kubernetes object name (DNS-1123 subdomain): what a credentialName must name to be found or created. */
    /** Whether Gatewarden can issue for a demand: a valid Secret name and at least one DNS name. */
    public static boolean provisionable(CredentialDemand d) {
        return validSecretName(d.secretName()) && !d.dnsNames().isEmpty();
    }

    public static boolean validSecretName(String name) {
        return name != null && name.length() <= 253 && SECRET_NAME.matcher(name).matches();
    }

    /** Server hosts as certificate DNS names: without {@code ns/}, lower-cased, {@code *} skipped, deduplicated. */
    public static List<String> dnsNames(List<String> hosts) {
        TreeSet<String> names = new TreeSet<>();
        for (String h : hosts) {
            String dns = Hosts.GatewayHost.parse(h).dnsName().toLowerCase(Locale.ROOT);
            if (!dns.equals("*") && !dns.isEmpty() && Hosts.dnsNameProblem(dns).isEmpty()) {
                names.add(dns);
            }
        }
        return List.copyOf(names);
    }

    /**
     * A credentialName as Istio reads it: {@code name}, {@code kubernetes://name} or
     * {@code kubernetes://namespace/name}. {@code namespace} is null unless given.
     */
    public record SecretName(String namespace, String name) {
        public static SecretName parse(String credentialName) {
            String s = credentialName.startsWith(SDS_PREFIX) ? credentialName.substring(SDS_PREFIX.length()) : credentialName;
            int slash = s.indexOf('/');
            return slash < 0 ? new SecretName(null, s) : new SecretName(s.substring(0, slash), s.substring(slash + 1));
        }
    }
}
