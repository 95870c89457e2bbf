package io.gatewarden.facts;

import io.gatewarden.config.CertificateTimings;
import io.gatewarden.config.Durations;
import io.gatewarden.config.GatewardenConfig;
import io.gatewarden.config.Settings;
import io.gatewarden.pki.RenewalTiming;
import io.gatewarden.policy.EgressPolicy;

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
 * @param renewal            when the certificate manager renews a managed certificate: what it promises
 */
public record RuleSettings(boolean provisioning, String fallbackNamespace, Duration expiryWarning, Clock clock,
                           EgressPolicy egress, RenewalTiming renewal) {

    public static RuleSettings defaults() {
        return new RuleSettings(true, "istio-system", Duration.ofDays(14), Clock.systemUTC(), EgressPolicy.none(),
                RenewalTiming.defaults());
    }

    /** From the service's configuration: one place, so every door judges alike. */
    public static RuleSettings from(GatewardenConfig config, Clock clock) {
        GatewardenConfig.Certificates c = config.certificates();
        CertificateTimings timings = Settings.certificateTimings(config);
        return new RuleSettings(c.provision(), c.fallbackNamespace(), Durations.parse(c.expiryWarning()), clock,
                EgressPolicy.from(config), new RenewalTiming(timings.renewBeforeFraction(), timings.renewBefore()));
    }

    public RuleSettings withProvisioning(boolean on) {
        return new RuleSettings(on, fallbackNamespace, expiryWarning, clock, egress, renewal);
    }

    public RuleSettings withClock(Clock c) {
        return new RuleSettings(provisioning, fallbackNamespace, expiryWarning, c, egress, renewal);
    }

    public RuleSettings withEgress(EgressPolicy e) {
        return new RuleSettings(provisioning, fallbackNamespace, expiryWarning, clock, e, renewal);
    }
}
