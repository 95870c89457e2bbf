package io.gatewarden.rules;

import java.time.Clock;
import java.time.Duration;

/**
 * The settings the rules depend on: plain values, so rules stay pure and the analyze CLI
 * and the service judge alike.
 *
 * @param provisioning       the certificate manager creates missing credentials (GW302 becomes info)
 * @param fallbackNamespace  where credentials go when a selector matches no workload
 * @param expiryWarning      GW311 window for unmanaged certificates
 * @param egress             the egress allow-list and wildcard policy (POL804, EG610)
 */
public record RuleSettings(boolean provisioning, String fallbackNamespace, Duration expiryWarning, Clock clock,
                           EgressPolicy egress) {

    public static RuleSettings defaults() {
        return new RuleSettings(true, "istio-system", Duration.ofDays(14), Clock.systemUTC(), EgressPolicy.none());
    }

    public RuleSettings withProvisioning(boolean on) {
        return new RuleSettings(on, fallbackNamespace, expiryWarning, clock, egress);
    }

    public RuleSettings withClock(Clock c) {
        return new RuleSettings(provisioning, fallbackNamespace, expiryWarning, c, egress);
    }

    public RuleSettings withEgress(EgressPolicy e) {
        return new RuleSettings(provisioning, fallbackNamespace, expiryWarning, clock, e);
    }
}
