package io.gatewarden.rules;

import io.gatewarden.cluster.Derivation;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.facts.Facts;
import io.gatewarden.facts.Parsed;
import io.gatewarden.facts.ServiceRegistry;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.model.VirtualService;
import io.gatewarden.model.Visibility;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * RT508 (IST0109): two VirtualServices bound to {@code mesh} claim the same host where both are visible
 * ({@code exportTo}): sidecars use only one VirtualService per host, so the routes of the other are
 * ignored. Hosts compare as Istio's analyzer compares them: short names qualified with the VirtualService's
 * namespace, other names as written (lower-case). {@code *} is RT505's. The stored mesh-bound
 * VirtualServices are indexed by host once per stored state; the one under review replaces its stored version.
 */
public final class MeshHostRules implements Rule {
    private static final Derivation<Map<String, List<Claim>>> CLAIMS = Derivation.of("mesh host claims",
            Set.of(Kind.VIRTUAL_SERVICE), source -> {
                Map<String, List<Claim>> claims = new HashMap<>();
                for (VirtualService vs : source.get(Parsed.VIRTUAL_SERVICES.stored()).list()) {
                    for (Claim c : claims(vs)) {
                        claims.computeIfAbsent(c.host(), k -> new ArrayList<>(1)).add(c);
                    }
                }
                claims.values().forEach(l -> l.sort(Comparator.comparing(Claim::ref)));
                return claims;
            });

    /** One mesh-bound VirtualService's claim on a host: its namespace/name, where it is visible, the host's path. */
    private record Claim(String host, String ref, Visibility visibility, VirtualService.Ref written) {
    }

    @Override
    public Kind kind() {
        return Kind.VIRTUAL_SERVICE;
    }

    @Override
    public Set<Code> codes() {
        return Set.of(Code.RT508);
    }

    @Override
    public Set<Kind> reads() {
        return Set.of(Kind.VIRTUAL_SERVICE);
    }

    @Override
    public void check(Resource resource, Facts facts, List<Diagnostic> out) {
        VirtualService vs = facts.virtualService(resource);
        Map<String, List<Claim>> stored = facts.stored(CLAIMS);
        String self = ref(vs);
        for (Claim mine : claims(vs)) {
            for (Claim other : stored.getOrDefault(mine.host(), List.of())) {
                if (other.ref().equals(self) || !other.visibility().overlaps(mine.visibility())) {
                    continue;
                }
                String host = mine.written().value();
                out.add(Diagnostic.of(Code.RT508, resource, mine.written().path(), "host \"" + host + "\""
                                + (host.equals(mine.host()) ? "" : " (" + mine.host() + ")") + " is also claimed by mesh "
                                + "VirtualService " + other.ref(),
                        ", visible in " + mine.visibility().common(other.visibility()).describe() + " too: sidecars "
                                + "use one VirtualService per host and ignore the other's routes",
                        "; merge them into one VirtualService, or narrow exportTo"));
                break;
            }
        }
    }

    /** The hosts a VirtualService claims at the mesh, once each; none when it is not bound to the mesh. */
    private static List<Claim> claims(VirtualService vs) {
        if (!vs.boundToMesh()) {
            return List.of();
        }
        String ns = vs.resource().namespace();
        Visibility visibility = Visibility.exportTo(vs.exportTo(), ns);
        List<Claim> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (VirtualService.Ref h : vs.hosts()) {
            String host = ServiceRegistry.qualifiedHost(h.value(), ns);
            if (!host.isEmpty() && !host.equals("*") && seen.add(host)) {
                out.add(new Claim(host, ref(vs), visibility, h));
            }
        }
        return out;
    }

    private static String ref(VirtualService vs) {
        return vs.resource().namespace() + "/" + vs.resource().name();
    }
}
