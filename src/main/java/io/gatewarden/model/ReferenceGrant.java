package io.gatewarden.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * A Gateway API ReferenceGrant: which kinds, from which namespaces, may refer to which objects of its
 * own namespace. Entries that are not objects or lack a kind grant nothing (every version reads alike).
 */
public record ReferenceGrant(Resource resource, List<From> from, List<To> to) {

    /** Who may refer: group ("" for core), kind and namespace. */
    public record From(String group, String kind, String namespace) {
    }

    /** What may be referred to: group, kind, and a name (null: every object of that kind). */
    public record To(String group, String kind, String name) {
    }

    public static ReferenceGrant parse(Resource resource) {
        List<From> from = new ArrayList<>();
        for (JsonNode f : resource.spec().path("from")) {
            if (f.path("kind").isTextual() && f.path("namespace").isTextual()) {
                from.add(new From(group(f), f.path("kind").asText(), f.path("namespace").asText()));
            }
        }
        List<To> to = new ArrayList<>();
        for (JsonNode t : resource.spec().path("to")) {
            if (t.path("kind").isTextual()) {
                String name = t.path("name").isTextual() && !t.path("name").asText().isEmpty() ? t.path("name").asText() : null;
                to.add(new To(group(t), t.path("kind").asText(), name));
            }
        }
        return new ReferenceGrant(resource, List.copyOf(from), List.copyOf(to));
    }

    /**
     * Whether this grant lets a {@code fromKind} of {@code fromGroup} in {@code fromNamespace} refer to the
     * object {@code toName} of {@code toKind}/{@code toGroup} in the grant's own namespace.
     */
    public boolean allows(String fromGroup, String fromKind, String fromNamespace, String toGroup, String toKind,
                          String toName) {
        boolean fromOk = false;
        for (From f : from) {
            if (f.kind().equals(fromKind) && f.group().equals(core(fromGroup)) && f.namespace().equals(fromNamespace)) {
                fromOk = true;
                break;
            }
        }
        if (!fromOk) {
            return false;
        }
        for (To t : to) {
            if (t.kind().equals(toKind) && t.group().equals(core(toGroup)) && (t.name() == null || t.name().equals(toName))) {
                return true;
            }
        }
        return false;
    }

    private static String group(JsonNode n) {
        return core(n.path("group").isTextual() ? n.path("group").asText() : "");
    }

    /** The core group is "" (Istio also accepts "core"). */
    private static String core(String group) {
        return group == null || group.equals("core") ? "" : group;
    }
}
