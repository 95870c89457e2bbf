package io.gatewarden.policy;

import io.gatewarden.model.TlsVersion;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The policy ConfigMap's keys, as the README documents them: what each adds and what a bad one says. */
class PolicyDocumentTest {
    private static final String CM = "ConfigMap gatewarden/gatewarden-policy";

    @Test
    void everyKeyReachesThePolicy() {
        PolicyDocument d = PolicyDocument.parse(CM, Map.ofEntries(
                Map.entry("allowed-hosts", "api.partner.example.com  # the payment partner\n*.example.org"),
                Map.entry("namespace.payments", "api.stripe.com"),
                Map.entry("deny-wildcard-hosts", "true"),
                Map.entry("host-ownership", "First-Claim"),
                Map.entry("hosts.team-a", "shop.example.com, *.Shop.example.com"),
                Map.entry("unowned-hosts", "deny"),
                Map.entry("exempt-namespace-label", "platform=true"),
                Map.entry("credential-ownership", "true"),
                Map.entry("tls-min-version", "TLSV1_3"),
                Map.entry("deny-wildcard-https-hosts", "true"),
                Map.entry("require-https-redirect", "TRUE")));
        assertEquals(List.of(), d.errors());
        Policy p = d.applyTo(Policy.none());
        assertEquals(Optional.of(List.of("*.example.org", "api.partner.example.com", "api.stripe.com")),
                p.egress().allowList("payments"));
        assertTrue(p.egress().denyWildcardHosts());
        assertEquals(Policy.HostOwnership.FIRST_CLAIM, p.hostOwnership());
        assertEquals(List.of("shop.example.com", "*.shop.example.com"), p.hostOwners().get("team-a"));
        assertTrue(p.denyUnownedHosts());
        assertEquals("platform=true", p.exemptLabel());
        assertTrue(p.credentialOwnership());
        assertEquals(TlsVersion.TLSV1_3, p.tlsFloor());
        assertTrue(p.denyWildcardHttpsHosts());
        assertTrue(p.requireHttpsRedirect());
    }

    @Test
    void listsAddToTheSettingsAndOtherKeysReplaceThem() {
        Policy settings = Policy.none().withEgress(new EgressPolicy(List.of("a.example.com"), Map.of(), false));
        settings = PolicyDocument.parse("settings", Map.of("hosts.team-a", "a.example.com", "tls-min-version", "TLSV1_3"))
                .applyTo(settings);
        Policy p = PolicyDocument.parse(CM, Map.of("allowed-hosts", "b.example.com", "hosts.team-a", "c.example.com",
                "tls-min-version", "off")).applyTo(settings);
        assertEquals(Optional.of(List.of("a.example.com", "b.example.com")), p.egress().allowList("shop"));
        assertEquals(List.of("a.example.com", "c.example.com"), p.hostOwners().get("team-a"));
        assertEquals(null, p.tlsFloor(), "off in the ConfigMap turns a floor of the settings off");
    }

    @Test
    void badKeysAndValuesNameTheOriginTheKeyAndTheChoices() {
        PolicyDocument d = PolicyDocument.parse(CM, Map.of(
                "host-owner", "map",
                "credential-ownership", "yes",
                "tls-min-version", "TLSV1_2_PLUS",
                "unowned-hosts", "sometimes"));
        assertEquals(List.of(
                CM + ": key credential-ownership: \"yes\" is not true or false",
                CM + ": unknown key \"host-owner\" (the keys are allowed-hosts, namespace.NS, deny-wildcard-hosts, "
                        + "host-ownership, hosts.NS, unowned-hosts, exempt-namespace-label, credential-ownership, "
                        + "tls-min-version, deny-wildcard-https-hosts, require-https-redirect)",
                CM + ": key tls-min-version: \"TLSV1_2_PLUS\" is not TLSV1_0, TLSV1_1, TLSV1_2, TLSV1_3 or off",
                CM + ": key unowned-hosts: \"sometimes\" is not allow or deny"), d.errors());
    }

    @Test
    void tlsAutoIsNotAFloor() {
        assertFalse(PolicyDocument.parse(CM, Map.of("tls-min-version", "TLS_AUTO")).errors().isEmpty(),
                "TLS_AUTO is Istio's choice, not a version a floor can name");
    }
}
