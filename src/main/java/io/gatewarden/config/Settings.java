package io.gatewarden.config;

import io.gatewarden.rules.EgressPolicy;
import io.gatewarden.rules.RuleSettings;

import java.time.Clock;

/** Turns configuration into the plain values the pure parts take: one place, so every door judges alike. */
public final class Settings {
    private Settings() {
    }

    public static RuleSettings rules(GatewardenConfig config, Clock clock) {
        return new RuleSettings(config.certificates().provision(), config.certificates().fallbackNamespace(),
                Durations.parse(config.certificates().expiryWarning()), clock, egress(config));
    }

    public static EgressPolicy egress(GatewardenConfig config) {
        GatewardenConfig.Egress e = config.egress();
        return new EgressPolicy(e.allowedHosts().orElse(java.util.List.of()), e.namespaceAllowedHosts(),
                config.namespace(), e.configMap(), e.denyWildcardHosts());
    }
}
