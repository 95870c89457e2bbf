package io.gatewarden.config;

import java.math.BigDecimal;
import java.math.RoundingMode;
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

    /**
     * For messages, the way settings are written: whole days ({@code 90d}) or hours ({@code 12h}), else
     * seconds ({@code 270s}, {@code 29.5s}: to the millisecond), so that short values compare at a glance.
     */
    public static String format(Duration d) {
        BigDecimal seconds = BigDecimal.valueOf(d.getSeconds()).add(BigDecimal.valueOf(d.getNano(), 9))
                .setScale(3, RoundingMode.HALF_UP).stripTrailingZeros();
        if (seconds.signum() <= 0 || seconds.scale() > 0) {
            return seconds.toPlainString() + "s";
        }
        long s = seconds.longValueExact();
        return s % 86_400 == 0 ? s / 86_400 + "d" : s % 3_600 == 0 ? s / 3_600 + "h" : s + "s";
    }
}
