package io.gatewarden.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A set of Istio host patterns answering {@link Hosts#within} and {@link Hosts#intersect} against all of
 * them at once, in time proportional to the queried name's labels rather than to the set's size.
 */
public final class HostSet {
    private final Set<String> exact = new HashSet<>();
    /** S for every pattern {@code *.S}. */
    private final Set<String> wildcardBases = new HashSet<>();
    /** Every S such that some pattern lies strictly within {@code *.S}. */
    private final Set<String> innerSuffixes = new HashSet<>();
    private boolean star;

    public HostSet(Collection<String> patterns) {
        for (String raw : patterns) {
            if (raw == null) {
                continue;
            }
            String p = norm(raw);
            exact.add(p);
            if (p.equals("*")) {
                star = true;
                continue;
            }
            if (p.startsWith("*.")) {
                wildcardBases.add(p.substring(2));
            }
            innerSuffixes.addAll(suffixes(p));
        }
    }

    public boolean isEmpty() {
        return exact.isEmpty();
    }

    /** Whether {@code Hosts.within(host, p)} holds for some pattern p of the set. */
    public boolean coversAny(String host) {
        String q = norm(host);
        if (star || exact.contains(q)) {
            return true;
        }
        if (q.equals("*")) {
            return false;
        }
        for (String s : suffixes(q)) {
            if (wildcardBases.contains(s)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code Hosts.intersect(host, p)} holds for some pattern p of the set. */
    public boolean intersectsAny(String host) {
        String q = norm(host);
        if (q.equals("*")) {
            return !exact.isEmpty();
        }
        if (coversAny(q)) {
            return true;
        }
        return q.startsWith("*.") && innerSuffixes.contains(q.substring(2));
    }

    /**
     * Every S such that {@code name} lies strictly within {@code *.S}: what follows a dot that is not
     * the first character, after dropping a leading {@code *} of a {@code *.} wildcard.
     */
    private static List<String> suffixes(String name) {
        String h = name.startsWith("*.") ? name.substring(1) : name;
        List<String> out = new ArrayList<>();
        for (int i = h.indexOf('.', 1); i >= 0; i = h.indexOf('.', i + 1)) {
            out.add(h.substring(i + 1));
        }
        return out;
    }

    /** Lower-cased, without a trailing dot: how Istio compares host names. */
    public static String norm(String h) {
        String s = h.toLowerCase(java.util.Locale.ROOT);
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
