package io.gatewarden.config;

import io.gatewarden.policy.EgressPolicy;
import io.gatewarden.policy.Policy;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's gatewarden.egress.* and gatewarden.policy.* settings, as written there, reach the policy. */
public class SettingsTest {

    public static GatewardenConfig config(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(GatewardenConfig.class)
                .addDefaultInterceptors()
                .withConverter(java.time.Duration.class, 100, new io.quarkus.runtime.configuration.DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 500)).build();
        return config.getConfigMapping(GatewardenConfig.class);
    }

    @Test
    void egressAllowListFromSettings() {
        GatewardenConfig c = config(Map.of(
                "gatewarden.egress.allowed-hosts", "api.partner.example.com,*.example.org",
                "gatewarden.egress.namespace-allowed-hosts.payments", "api.stripe.com",
                "gatewarden.egress.deny-wildcard-hosts", "true",
                "gatewarden.namespace", "gw-system"));
        EgressPolicy p = Policy.from(c).egress();
        assertEquals(Optional.of(List.of("*.example.org", "api.partner.example.com", "api.stripe.com")),
                p.allowList("payments"));
        assertEquals(Optional.of(List.of("*.example.org", "api.partner.example.com")), p.allowList("shop"));
        assertTrue(p.denyWildcardHosts());
        assertEquals("gatewarden-egress-policy", c.egress().configMap(), "the egress ConfigMap of earlier releases");
        assertEquals("gatewarden-policy", c.policy().configMap());
    }

    @Test
    void egressPolicyIsOffByDefault() {
        Policy p = Policy.from(config(Map.of()));
        assertEquals(Optional.empty(), p.egress().allowList("payments"));
        assertFalse(p.egress().denyWildcardHosts());
        assertEquals(Policy.HostOwnership.OFF, p.hostOwnership());
        assertFalse(p.credentialOwnership());
        assertEquals(null, p.tlsFloor());
    }

    @Test
    void policySettingsReachThePolicy() {
        Policy p = Policy.from(config(Map.of(
                "gatewarden.policy.host-ownership", "map",
                "gatewarden.policy.hosts.team-a", "Shop.example.com,*.shop.example.com",
                "gatewarden.policy.unowned-hosts", "deny",
                "gatewarden.policy.credential-ownership", "true",
                "gatewarden.policy.tls-min-version", "TLSV1_3",
                "gatewarden.policy.exempt-namespace-label", "platform=true",
                "gatewarden.namespace", "gw-system")));
        assertEquals(Policy.HostOwnership.MAP, p.hostOwnership());
        assertEquals(Map.of("team-a", List.of("shop.example.com", "*.shop.example.com")), p.hostOwners());
        assertTrue(p.denyUnownedHosts());
        assertTrue(p.credentialOwnership());
        assertEquals(io.gatewarden.model.TlsVersion.TLSV1_3, p.tlsFloor());
        assertTrue(p.exempt(Map.of("platform", "true")));
        assertFalse(p.exempt(Map.of("gatewarden.io/policy", "exempt")), "the label is replaced, not added");
        assertEquals("gw-system/gatewarden-policy", p.configMap());
    }

    @Test
    void policySettingsThatDoNotParseNameTheSettingAndTheChoices() {
        GatewardenConfig c = config(Map.of(
                "gatewarden.policy.host-ownership", "first-come",
                "gatewarden.policy.unowned-hosts", "maybe",
                "gatewarden.policy.tls-min-version", "TLSV1_2_PLUS"));
        assertEquals(List.of(
                "gatewarden.policy.host-ownership: \"first-come\" is not off, map or first-claim",
                "gatewarden.policy.unowned-hosts: \"maybe\" is not allow or deny",
                "gatewarden.policy.tls-min-version: \"TLSV1_2_PLUS\" is not TLSV1_0, TLSV1_1, TLSV1_2, TLSV1_3 or off"),
                Policy.problems(c));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Policy.from(c));
        assertTrue(e.getMessage().contains("gatewarden.policy.host-ownership"), e.getMessage());
    }
}
