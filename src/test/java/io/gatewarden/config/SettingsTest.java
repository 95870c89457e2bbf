package io.gatewarden.config;

import io.gatewarden.cluster.StaticClusterView;
import io.gatewarden.policy.EgressPolicy;
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

/** The README's gatewarden.egress.* settings, as written there, reach the rules. */
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
        EgressPolicy p = EgressPolicy.from(c);
        StaticClusterView empty = new StaticClusterView(List.of());
        assertEquals(Optional.of(List.of("*.example.org", "api.partner.example.com", "api.stripe.com")),
                p.allowList("payments", empty));
        assertEquals(Optional.of(List.of("*.example.org", "api.partner.example.com")), p.allowList("shop", empty));
        assertTrue(p.wildcardDenied(empty));
        assertEquals("gw-system", p.configMapNamespace(), "the ConfigMap lives in Gatewarden's own namespace");
        assertEquals(EgressPolicy.DEFAULT_CONFIG_MAP, p.configMapName());
    }

    @Test
    void egressPolicyIsOffByDefault() {
        EgressPolicy p = EgressPolicy.from(config(Map.of()));
        StaticClusterView empty = new StaticClusterView(List.of());
        assertEquals(Optional.empty(), p.allowList("payments", empty));
        assertFalse(p.wildcardDenied(empty));
    }
}
