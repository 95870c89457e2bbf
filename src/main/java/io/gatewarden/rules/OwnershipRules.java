package io.gatewarden.rules;

import io.gatewarden.demands.CredentialRef;
import io.gatewarden.demands.Demands;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.facts.Facts;
import io.gatewarden.facts.HostClaims;
import io.gatewarden.facts.NamespaceLabels;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.policy.Policy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Multi-tenant ownership, off unless the policy turns it on ({@link Policy}).
 * <ul>
 *   <li>POL801 a namespace claims a host it does not own: a Gateway server host (for the namespace its
 *       {@code ns/} prefix names, else the Gateway's) or the host of a VirtualService bound to a gateway.
 *       Mode {@code map}: the ownership map says who owns a host. Mode {@code first-claim}: the namespace
 *       of the oldest claim owns it, and a wildcard claim covers every host below it, in both directions
 *       (as OpenShift's router: two claims conflict when their patterns intersect).</li>
 *   <li>POL806 a Gateway names a credential another namespace owns (the namespace that named it first,
 *       or the one the managed Secret was issued for): it would serve, and make Gatewarden re-issue,
 *       another tenant's certificate.</li>
 * </ul>
 * Namespaces carrying the policy's exempt label are not judged, and their claims count for no one.
 */
public final class OwnershipRules implements Rule {

    @Override
    public Kind kind() {
        return Kind.ISTIO_GATEWAY;
    }

    @Override
    public Set<Code> codes() {
        return Set.of(Code.POL801, Code.POL806);
    }

    @Override
    public Set<Kind> reads() {
        // The claiming kinds (first claim looks across all of them); a credential's users include Gateway API
        // listeners naming it (CredentialUsers).
        return union(Set.of(Kind.NAMESPACE, Kind.CONFIG_MAP, Kind.DESTINATION_RULE, Kind.SECRET, Kind.POD,
                Kind.DEPLOYMENT, Kind.STATEFUL_SET, Kind.DAEMON_SET));
    }

    @Override
    public void check(Resource resource, Facts facts, List<Diagnostic> out) {
        IstioGateway gw = facts.gateway(resource);
        hosts(resource, HostClaims.of(gw), facts, out);
        credentials(gw, facts, out);
    }

    /** What a POL801 family reads: every claiming kind, namespace labels, the policy, and {@code more}. */
    static Set<Kind> union(Set<Kind> more) {
        Set<Kind> all = new java.util.HashSet<>(HostClaims.CLAIMING);
        all.add(Kind.NAMESPACE);
        all.add(Kind.CONFIG_MAP);
        all.addAll(more);
        return Set.copyOf(all);
    }

    /**
     * POL801 on the hosts another kind claims: VirtualServices bound to a gateway, Gateway API listener
     * hostnames, and the hostnames of Gateway API routes attached to a Gateway.
     */
    public static final class Claims implements Rule {
        private final Kind kind;

        public Claims(Kind kind) {
            this.kind = kind;
        }

        @Override
        public Kind kind() {
            return kind;
        }

        @Override
        public String name() {
            return "OwnershipRules.Claims[" + kind.kind() + "]";
        }

        @Override
        public Set<Code> codes() {
            return Set.of(Code.POL801);
        }

        @Override
        public Set<Kind> reads() {
            return union(Set.of());
        }

        @Override
        public void check(Resource resource, Facts facts, List<Diagnostic> out) {
            List<HostClaims.Claim> mine = switch (kind) {
                case VIRTUAL_SERVICE -> HostClaims.of(facts.virtualService(resource));
                case K8S_GATEWAY -> HostClaims.of(facts.k8sGateway(resource));
                default -> HostClaims.of(facts.route(resource));
            };
            hosts(resource, mine, facts, out);
        }
    }

    /** POL801 for an object's claims. */
    static void hosts(Resource subject, List<HostClaims.Claim> mine, Facts facts, List<Diagnostic> out) {
        Policy policy = facts.policy();
        if (policy.hostOwnership() == Policy.HostOwnership.OFF || mine.isEmpty()) {
            return;
        }
        NamespaceLabels labels = facts.stored(NamespaceLabels.DERIVATION);
        for (HostClaims.Claim c : mine) {
            if (policy.exempt(labels.of(c.namespace()))) {
                continue;
            }
            if (policy.hostOwnership() == Policy.HostOwnership.MAP) {
                mapped(subject, c, policy, out);
            } else {
                firstClaim(subject, c, facts.stored(HostClaims.DERIVATION).all(), policy, labels, out);
            }
        }
    }

    private static void mapped(Resource subject, HostClaims.Claim c, Policy policy, List<Diagnostic> out) {
        Map<String, String> owners = policy.mappedOwners(c.host());
        if (owners.containsKey(c.namespace()) || (owners.isEmpty() && !policy.denyUnownedHosts())) {
            return;
        }
        String fact = "host \"" + c.host() + "\" is claimed for namespace " + c.namespace();
        if (owners.isEmpty()) {
            out.add(Diagnostic.of(Code.POL801, subject, c.field(), fact + " but no namespace owns it in the host "
                    + "ownership map", ", and unowned hosts are denied (" + policy.configuredIn() + ")",
                    ": ask the platform team to add it to hosts." + c.namespace()));
            return;
        }
        Map.Entry<String, String> owner = owners.entrySet().iterator().next();
        out.add(Diagnostic.of(Code.POL801, subject, c.field(), fact + ", but the host ownership map gives it to "
                + "namespace " + owner.getKey() + " (hosts." + owner.getKey() + ": " + owner.getValue() + ")",
                ", so this would take that namespace's traffic", ": use a host of namespace " + c.namespace()
                + (policy.ownedBy(c.namespace()).map(p -> " (" + String.join(", ", Messages.limit(p)) + ")").orElse(""))
                + ", or ask the platform team to change the map"));
    }

    private static void firstClaim(Resource subject, HostClaims.Claim c, List<HostClaims.Claim> stored, Policy policy,
                                   NamespaceLabels labels, List<Diagnostic> out) {
        for (HostClaims.Claim older : stored) { // oldest first: the first conflict is the owner
            if (HostClaims.ORDER.compare(older, c) >= 0) {
                return;
            }
            if (older.namespace().equals(c.namespace()) || older.by().equals(subject.ref())
                    || !older.overlaps(c.host()) || policy.exempt(labels.of(older.namespace()))) {
                continue;
            }
            out.add(Diagnostic.of(Code.POL801, subject, c.field(), "host \"" + c.host() + "\" is claimed for namespace "
                    + c.namespace() + ", but namespace " + older.namespace() + " claimed \"" + older.host()
                    + "\" first (" + older.by().display() + " " + older.field()
                    + (older.created() == null ? "" : ", created " + older.created()) + ")",
                    ", so this would take its traffic (first claim owns a host and, with a wildcard, every host below it)",
                    ": use a host no other namespace claims, or ask namespace " + older.namespace()
                            + " or the platform team to hand it over"));
            return;
        }
    }

    /** POL806. */
    private static void credentials(IstioGateway gw, Facts facts, List<Diagnostic> out) {
        Policy policy = facts.policy();
        String ns = gw.resource().namespace();
        if (!policy.credentialOwnership() || policy.exempt(facts.stored(NamespaceLabels.DERIVATION).of(ns))) {
            return;
        }
        for (CredentialRef ref : Demands.refs(gw, facts)) {
            if (!ref.resolvable()) {
                continue;
            }
            Optional<Demands.Owner> owner = Demands.credentialOwner(facts, ref.namespace(), ref.secretName());
            if (owner.isEmpty() || owner.get().namespace().equals(ns)) {
                continue;
            }
            Demands.Owner o = owner.get();
            String since = o.by() == null ? "the secret was issued for it"
                    : o.by().kind() + " " + o.by().namespace() + "/" + o.by().name() + " named it first";
            out.add(Diagnostic.of(Code.POL806, gw.resource(), ref.field(), "credential " + ref.namespace() + "/"
                    + ref.secretName() + " belongs to namespace " + o.namespace() + " (" + since + ")",
                    ", and a Gateway of " + ns + " would serve its certificate and have Gatewarden re-issue it with "
                            + ns + "'s hosts", ": name a secret of your own (e.g. " + ns + "-" + ref.secretName() + ")"));
        }
    }
}
