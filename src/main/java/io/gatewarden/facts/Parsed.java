package io.gatewarden.facts;

import io.gatewarden.cluster.Derivation;
import io.gatewarden.model.DestinationRule;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.model.ServiceEntry;
import io.gatewarden.model.VirtualService;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A kind and its model class: how its objects are parsed, and the stored ones parsed once per
 * stored state (a {@link Derivation} reading that kind only). {@link Facts#parsed} adds the one
 * overlay rule: an object under review is parsed on its own and replaces its stored version.
 *
 * @param <T> the model class, e.g. {@link IstioGateway}
 */
public final class Parsed<T> {
    public static final Parsed<IstioGateway> GATEWAYS = new Parsed<>(Kind.ISTIO_GATEWAY, IstioGateway::parse);
    public static final Parsed<VirtualService> VIRTUAL_SERVICES =
            new Parsed<>(Kind.VIRTUAL_SERVICE, VirtualService::parse);
    public static final Parsed<ServiceEntry> SERVICE_ENTRIES = new Parsed<>(Kind.SERVICE_ENTRY, ServiceEntry::parse);
    public static final Parsed<DestinationRule> DESTINATION_RULES =
            new Parsed<>(Kind.DESTINATION_RULE, DestinationRule::parse);

    private final Kind kind;
    private final Function<Resource, T> parse;
    private final Derivation<Stored<T>> stored;

    /** The stored objects of the kind, parsed, in the view's order, and by resource (identity). */
    public record Stored<T>(List<T> list, Map<Resource, T> byResource) {
    }

    private Parsed(Kind kind, Function<Resource, T> parse) {
        this.kind = kind;
        this.parse = parse;
        this.stored = Derivation.of("parsed " + kind, Set.of(kind), source -> {
            List<Resource> resources = source.view().resources(kind);
            List<T> list = new ArrayList<>(resources.size());
            Map<Resource, T> byResource = new IdentityHashMap<>(resources.size() * 2);
            for (Resource r : resources) {
                T model = parse.apply(r);
                list.add(model);
                byResource.put(r, model);
            }
            return new Stored<>(List.copyOf(list), Collections.unmodifiableMap(byResource));
        });
    }

    public Kind kind() {
        return kind;
    }

    /** The derivation other derivations use to read the stored models of this kind. */
    public Derivation<Stored<T>> stored() {
        return stored;
    }

    T parse(Resource r) {
        return parse.apply(r);
    }
}
