package io.gatewarden.config;

import java.time.Duration;

/** Parses durations as users write them in settings: {@code 14d}, {@code 12h}, {@code 90s}, or ISO-8601. */
public final class Durations {
    private Durations() {
    }

    public static Duration parse(String text) {
        String s = text.strip();
        if (s.matches("\\d+[smhd]")) {
            long n = Long.parseLong(s.substring(0, s.length() - 1));
            return switch (s.charAt(s.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        return Duration.parse(s);
    }
}
