package io.gatewarden.facts;

import io.gatewarden.config.CertificateTimings;
import io.gatewarden.config.Durations;
import io.gatewarden.config.GatewardenConfig;
import io.gatewarden.config.Settings;
import io.gatewarden.pki.RenewalTiming;
import io.gatewarden.policy.Policy;
import io.gatewarden.policy.PolicySource;

import java.time.Clock;
import java.time.Duration;

/**
 * The settings the rules depend on: plain values, so rules stay pure and the analyze CLI
 * and the service judge alike.
 *
 * @param provisioning       the certificate manager creates missing credentials (GW302 becomes info)
 * @param fallbackNamespace  where credentials go when a selector matches no workload
 * @param expiryWarning      GW311 window for unmanaged certificates
 * @param policy             where the organisation policy in force comes from (every POL code, EG610)
 * @param renewal            when the certificate manager renews a managed certificate: what it promises
 */
public record RuleSettings(boolean provisioning, String fallbackNamespace, Duration expiryWarning, Clock clock,
                           PolicySource policy, RenewalTiming renewal) {

    public static RuleSettings defaults() {
        return new RuleSettings(true, "istio-system", Duration.ofDays(14), Clock.systemUTC(),
                PolicySource.fixed(Policy.none()), RenewalTiming.defaults());
    }

    /**
     * From the service's configuration: one place, so every door judges alike. The policy is the
     * settings' alone; the service gives its watched one with {@link #withPolicy}.
     */
    public static RuleSettings from(GatewardenConfig config, Clock clock) {
        GatewardenConfig.Certificates c = config.certificates();
        CertificateTimings timings = Settings.certificateTimings(config);
        return new RuleSettings(c.provision(), c.fallbackNamespace(), Durations.parse(c.expiryWarning()), clock,
                PolicySource.fixed(Policy.from(config)), new RenewalTiming(timings.renewBeforeFraction(), timings.renewBefore()));
    }

    public RuleSettings withProvisioning(boolean on) {
        return new RuleSettings(on, fallbackNamespace, expiryWarning, clock, policy, renewal);
    }

    public RuleSettings withClock(Clock c) {
        return new RuleSettings(provisioning, fallbackNamespace, expiryWarning, c, policy, renewal);
    }

    public RuleSettings withPolicy(PolicySource p) {
        return new RuleSettings(provisioning, fallbackNamespace, expiryWarning, clock, p, renewal);
    }

    /** A fixed policy (tests, analyze flags without files). */
    public RuleSettings withPolicy(Policy p) {
        return withPolicy(PolicySource.fixed(p));
    }
}
