package io.gatewarden.model;

import java.util.Locale;

/** Reading Istio's enum-valued fields, which Istio compares ignoring case. */
final class Vocabulary {
    private Vocabulary() {
    }

    /** The constant a value names, ignoring case; null when unset, empty or unknown. */
    static <E extends Enum<E>> E parse(Class<E> type, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
