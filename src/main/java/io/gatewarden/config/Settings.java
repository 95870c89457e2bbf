package io.gatewarden.config;

import io.gatewarden.rules.RuleSettings;

import java.time.Clock;

/** Turns configuration into the plain values the pure parts take: one place, so every door judges alike. */
public final class Settings {
    private Settings() {
    }

    public static RuleSettings rules(GatewardenConfig config, Clock clock) {
        return new RuleSettings(config.certificates().provision(), config.certificates().fallbackNamespace(),
                Durations.parse(config.certificates().expiryWarning()), clock);
    }
}
