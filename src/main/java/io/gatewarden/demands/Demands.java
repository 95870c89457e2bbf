package io.gatewarden.demands;

import io.gatewarden.cluster.SecretData;
import io.gatewarden.diagnostics.ObjectRef;
import io.gatewarden.facts.CredentialUsers;
import io.gatewarden.model.CredentialName;
import io.gatewarden.model.DestinationRule;
import io.gatewarden.model.Hosts;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.model.K8sGateway;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.facts.Facts;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** Derives which credentials the resources need, and where: the one derivation of that fact. */
public final class Demands {
    /** The managed Secret's annotation naming what it was issued for (see certificates.ManagedSecret). */
    static final String FOR_ANNOTATION = "gatewarden.io/for";
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
                CredentialName name = CredentialName.parse(cred.getValue());
                for (String ns : namespaces) {
                    String foreign = name.namespace() == null || name.namespace().equals(ns) ? null : name.namespace();
                    refs.add(new CredentialRef(gw.resource(), server.path() + ".tls." + cred.getKey(), ns,
                            name.name(), dnsNames, mutual, fallback, foreign,
                            gw.resource().annotations().get(CredentialRef.KEY_ALGORITHM_ANNOTATION),
                            CredentialDemand.Purpose.SERVER, true));
                }
            }
        }
        return refs;
    }

    /**
     * The certificates a Gateway API Gateway's listeners name: each core Secret certificateRef of a
     * listener that terminates TLS (HTTPS, or TLS in Terminate mode; not when an Istio option makes it
     * serve the mesh's own certificate), in the ref's namespace (the Gateway's by default). istiod reads
     * them there itself, whatever namespace the gateway pods run in. A ref into another namespace
     * without a ReferenceGrant is kept but not {@linkplain CredentialRef#permitted() permitted}: GA704,
     * and nothing is provisioned. DNS names: the listener's hostname, wildcard included.
     */
    public static List<CredentialRef> refs(K8sGateway gw, Facts facts) {
        List<CredentialRef> refs = new ArrayList<>();
        String local = gw.resource().namespace();
        for (K8sGateway.Listener l : gw.listeners()) {
            if (!l.terminatesTls() || l.tls() == null || l.tls().builtinCertificate()) {
                continue;
            }
            List<String> dnsNames = l.hostname() == null ? List.of() : dnsNames(List.of(l.hostname()));
            // The CA for client certificates comes from the frontend validation refs when there are any.
            boolean mutual = l.tls().verifiesClients() && gw.clientCaRefs(l.port()).isEmpty();
            for (K8sGateway.ObjectReference ref : l.tls().certificateRefs()) {
                if (!ref.isSecret() || ref.name() == null) {
                    continue; // GA703
                }
                String ns = ref.namespaceOr(local);
                refs.add(new CredentialRef(gw.resource(), ref.path(), ns, ref.name(), dnsNames, mutual, false, null,
                        gw.resource().annotations().get(CredentialRef.KEY_ALGORITHM_ANNOTATION),
                        CredentialDemand.Purpose.SERVER, facts.secretPermitted(gw, ns, ref.name())));
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
            CredentialName name = CredentialName.parse(tls.credentialName());
            String foreign = name.namespace() == null || name.namespace().equals(ns) ? null : name.namespace();
            String identity = (name.name() + "." + ns).toLowerCase(Locale.ROOT);
            refs.add(new CredentialRef(dr.resource(), tls.path() + ".credentialName", ns, name.name(),
                    Hosts.dnsNameProblem(identity).isEmpty() ? List.of(identity) : List.of(), false, false, foreign,
                    dr.resource().annotations().get(CredentialRef.KEY_ALGORITHM_ANNOTATION),
                    CredentialDemand.Purpose.CLIENT, true));
        }
        return refs;
    }

    /**
     * Every credential reference in the view: Gateway servers', Gateway API listeners' and DestinationRules'
     * client credentials.
     */
    public static List<CredentialRef> allRefs(Facts facts) {
        List<CredentialRef> refs = new ArrayList<>();
        for (IstioGateway gw : facts.gateways()) {
            refs.addAll(refs(gw, facts));
        }
        for (K8sGateway gw : facts.k8sGateways()) {
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
     * (GW303). A copy in another of the Gateway's own workload namespaces is not misplaced. A Gateway API
     * listener reads its certificate in the ref's namespace only.
     */
    public static List<String> misplacedCopies(CredentialRef ref, Facts facts) {
        if (ref.purpose() == CredentialDemand.Purpose.CLIENT) {
            return List.of(); // client secrets of one name in several egress namespaces are normal
        }
        List<String> own = ref.owner().is(Kind.K8S_GATEWAY) ? List.of(ref.namespace())
                : facts.credentialNamespaces(facts.gateway(ref.owner()));
        return facts.namespacesWithSecret(ref.secretName()).stream()
                .filter(ns -> !ns.equals(ref.namespace()) && !own.contains(ns)).toList();
    }

    /** Every credential the resources in the view need, grouped by namespace and secret name. */
    public static List<CredentialDemand> all(Facts facts) {
        return group(allRefs(facts), facts);
    }

    /**
     * The demand for one Secret, the same as {@link #all} gives for it, found through the
     * resources that name it instead of all of them (admission asks this per credential).
     */
    public static Optional<CredentialDemand> demandFor(Facts facts, String namespace, String secretName) {
        List<CredentialRef> named = usersOf(facts, namespace, secretName);
        List<CredentialDemand> demands = group(named, facts);
        return demands.isEmpty() ? Optional.empty() : Optional.of(demands.get(0));
    }

    /**
     * Who owns a credential (POL806): the one namespace the managed Secret's {@code gatewarden.io/for}
     * names while it still names the credential, else the namespace of the oldest resource naming it (creation time, then namespace, name),
     * the object under review included. Empty when nothing names it.
     */
    public static Optional<Owner> credentialOwner(Facts facts, String namespace, String secretName) {
        return owner(usersOf(facts, namespace, secretName), facts);
    }

    /** The owner of a credential and the resource that makes it the owner (null when the Secret's annotation does). */
    public record Owner(String namespace, Resource by) {
    }

    private static Optional<Owner> owner(List<CredentialRef> refs, Facts facts) {
        if (refs.isEmpty()) {
            return Optional.empty();
        }
        CredentialRef any = refs.get(0);
        Optional<String> annotated = facts.secret(any.namespace(), any.secretName())
                .filter(SecretData::managed).flatMap(Demands::annotatedOwner)
                .filter(ns -> refs.stream().anyMatch(r -> r.owner().namespace().equals(ns))); // still a user
        if (annotated.isPresent()) {
            return Optional.of(new Owner(annotated.get(), null));
        }
        return refs.stream().map(CredentialRef::owner).min(OLDEST).map(r -> new Owner(r.namespace(), r));
    }

    /** The one namespace of every resource a managed Secret was issued for, if there is exactly one. */
    private static Optional<String> annotatedOwner(SecretData s) {
        String forValue = s.annotations().get(FOR_ANNOTATION);
        if (forValue == null || forValue.isBlank()) {
            return Optional.empty();
        }
        Set<String> namespaces = new TreeSet<>();
        for (String item : forValue.split(",")) {
            try {
                namespaces.add(ObjectRef.parse(item, "networking.istio.io").namespace());
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
        return namespaces.size() == 1 ? Optional.of(namespaces.iterator().next()) : Optional.empty();
    }

    /** Oldest first: creation time (none = newest, as an object under review on CREATE), namespace, name. */
    static final java.util.Comparator<Resource> OLDEST = java.util.Comparator
            .comparing((Resource r) -> r.created() == null ? java.time.Instant.MAX : r.created())
            .thenComparing(Resource::namespace).thenComparing(Resource::name);

    /** The resolvable refs naming one Secret, found through the resources that name it (overlay applied). */
    private static List<CredentialRef> usersOf(Facts facts, String namespace, String secretName) {
        CredentialUsers users = facts.stored(CredentialUsers.DERIVATION);
        Optional<Resource> review = facts.view().underReview();
        List<CredentialRef> refs = new ArrayList<>();
        for (IstioGateway gw : users.gateways(secretName)) {
            if (review.isEmpty() || !replaced(gw.resource(), review.get())) {
                refs.addAll(refs(gw, facts));
            }
        }
        for (DestinationRule dr : users.destinationRules(secretName)) {
            if (review.isEmpty() || !replaced(dr.resource(), review.get())) {
                refs.addAll(clientRefs(dr));
            }
        }
        for (K8sGateway gw : users.k8sGateways(secretName)) {
            if (review.isEmpty() || !replaced(gw.resource(), review.get())) {
                refs.addAll(refs(gw, facts));
            }
        }
        if (review.isPresent() && review.get().is(Kind.ISTIO_GATEWAY)) {
            refs.addAll(refs(facts.gateway(review.get()), facts));
        } else if (review.isPresent() && review.get().is(Kind.K8S_GATEWAY)) {
            refs.addAll(refs(facts.k8sGateway(review.get()), facts));
        } else if (review.isPresent() && review.get().is(Kind.DESTINATION_RULE)) {
            refs.addAll(clientRefs(facts.destinationRule(review.get())));
        }
        refs.removeIf(r -> !r.resolvable() || !r.namespace().equals(namespace) || !r.secretName().equals(secretName));
        return refs;
    }

    private static boolean replaced(Resource stored, Resource review) {
        return stored.group().equals(review.group()) && stored.kind().equals(review.kind()) && stored.sameObject(review);
    }

    /**
     * Refs grouped by namespace and secret name, unresolvable ones left out: one demand per group. With
     * credential ownership on (POL806), a group keeps only the refs of the credential's owner namespace:
     * another tenant's hosts never reach a certificate kept for one owner.
     */
    private static List<CredentialDemand> group(List<CredentialRef> all, Facts facts) {
        Map<String, List<CredentialRef>> grouped = new TreeMap<>();
        for (CredentialRef ref : all) {
            if (ref.resolvable()) {
                grouped.computeIfAbsent(ref.namespace() + "/" + ref.secretName(), k -> new ArrayList<>()).add(ref);
            }
        }
        List<CredentialDemand> demands = new ArrayList<>();
        boolean owned = facts.policy().credentialOwnership();
        for (List<CredentialRef> group : grouped.values()) {
            List<CredentialRef> refs = owned ? ownersOnly(group, facts) : group;
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

    private static List<CredentialRef> ownersOnly(List<CredentialRef> group, Facts facts) {
        String owner = owner(group, facts).map(Owner::namespace).orElse(null);
        List<CredentialRef> kept = group.stream().filter(r -> r.owner().namespace().equals(owner)).toList();
        return kept.isEmpty() ? group : kept;
    }

    /** Whether Gatewarden can issue for a demand: a valid Secret name and at least one DNS name. */
    public static boolean provisionable(CredentialDemand d) {
        return validSecretName(d.secretName()) && !d.dnsNames().isEmpty();
    }

    /** A Kubernetes object name (DNS-1123 subdomain): what a credentialName must name to be found or created. */
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
}
