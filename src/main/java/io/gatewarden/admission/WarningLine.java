package io.gatewarden.admission;

import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.diagnostics.Severity;

/**
 * One {@code response.warnings} line. The API server cuts a warning after 256 characters (kubectl
 * then shows it ending in "…", the fix lost), so every line is made to fit here instead: the
 * message when it fits, else the rule's short form ({@link Diagnostic#brief()}), else a cut that
 * drops the middle of the text and keeps its end, where the fix is. Denials and {@code analyze}
 * keep the full message.
 */
final class WarningLine {
    /** The API server's limit per warning. Java chars, at least as many as the runes it counts. */
    static final int MAX = 256;
    /** Said instead of the end when even the last clause cannot fit: the cut is never silent. */
    static final String CUT = "… (cut; gatewarden analyze prints it whole)";
    /** What a middle cut keeps of the start at least, so the line still says what it is about. */
    static final int MIN_HEAD = 40;
    private static final String ELLIPSIS = "… ";

    private WarningLine() {
    }

    /** {@code [CODE] field: message}, or its short form, within {@link #MAX} characters. */
    static String of(Diagnostic d) {
        String prefix = "[" + d.code() + "]" + (d.severity() == Severity.INFO ? " (info)" : "") + " " + d.field() + ": ";
        if (prefix.length() + d.message().length() <= MAX || d.brief() == null) {
            return fit(prefix, d.message());
        }
        return fit(prefix, d.brief());
    }

    /**
     * {@code prefix + text} when that fits in {@link #MAX}; otherwise the longest tail of {@code text}
     * that starts after a clause separator ("; " or ": ") and fits beside at least {@link #MIN_HEAD}
     * characters of its start, joined by "…"; when no clause fits, the start and {@link #CUT}.
     */
    static String fit(String prefix, String text) {
        int budget = MAX - prefix.length();
        if (text.length() <= budget) {
            return prefix + text;
        }
        for (int i = nextSeparator(text, MIN_HEAD); i >= 0; i = nextSeparator(text, i + 1)) {
            String tail = text.substring(i + 2);
            int head = budget - ELLIPSIS.length() - tail.length();
            if (head >= MIN_HEAD) {
                return prefix + text.substring(0, head).stripTrailing() + ELLIPSIS + tail;
            }
        }
        return prefix + text.substring(0, Math.max(0, budget - CUT.length())).stripTrailing() + CUT;
    }

    /** The first "; " or ": " at or after {@code from}, or -1. */
    private static int nextSeparator(String text, int from) {
        int semi = text.indexOf("; ", from);
        int colon = text.indexOf(": ", from);
        return semi < 0 ? colon : colon < 0 ? semi : Math.min(semi, colon);
    }
}
