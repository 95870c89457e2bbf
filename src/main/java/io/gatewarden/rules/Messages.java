package io.gatewarden.rules;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Small helpers that keep messages short and alike across the rule families. */
final class Messages {
    /** How many values a message lists before "and N more". */
    static final int LISTED = 5;
    private static final int MAX_QUOTED = 60;

    private Messages() {
    }

    /** At most {@link #LISTED} values, then "and N more". */
    static List<String> limit(Collection<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            if (out.size() == LISTED) {
                out.add("and " + (values.size() - LISTED) + " more");
                break;
            }
            out.add(v);
        }
        return out;
    }

    /** Each value in double quotes, joined with ", " (a trailing "and N more" of {@link #limit} unquoted). */
    static String quoted(Collection<String> values) {
        List<String> q = new ArrayList<>();
        for (String v : values) {
            q.add(v.startsWith("and ") && v.endsWith(" more") ? v : "\"" + v + "\"");
        }
        return String.join(", ", q);
    }

    /** A value in double quotes, cut when long so a message stays readable. */
    static String quote(String value) {
        String v = value.length() > MAX_QUOTED ? value.substring(0, MAX_QUOTED - 3) + "..." : value;
        return "\"" + v + "\"";
    }
}
