package io.gatewarden.rules;

import io.gatewarden.policy.ConfigMapPolicy;
import io.gatewarden.policy.EgressPolicy;
import io.gatewarden.policy.Policy;
import io.gatewarden.policy.PolicyDocument;
import io.gatewarden.facts.RuleSettings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.gatewarden.cluster.OverlayClusterView;
import io.gatewarden.cluster.StaticClusterView;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.diagnostics.Severity;
import io.gatewarden.model.Resource;
import io.gatewarden.model.ServiceEntry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** EG601–EG605, EG610, EG612 and POL804 on odd inputs, at scale, and the egress policy itself. */
class ServiceEntryRulesTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());


    private static String se(String name, String namespace, String spec) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s, namespace: %s}
                spec:
                %s
                """.formatted(name, namespace, spec.indent(2).stripTrailing());
    }

    private static List<Diagnostic> analyze(RuleSettings settings, String... yamls) throws Exception {
        Engine engine = new Engine(settings);
        List<Diagnostic> ds = engine.checkAll(engine.facts(new StaticClusterView(TestManifests.resources(yamls))));
        if (System.getProperty("printFindings") != null) {
            ds.forEach(d -> System.out.println(d.toLine()));
        }
        return ds;
    }

    private static List<Diagnostic> analyze(String... yamls) throws Exception {
        return analyze(RuleSettings.defaults(), yamls);
    }

    private static List<String> keys(List<Diagnostic> ds) {
        return ds.stream().map(d -> d.severity() + " " + d.code() + " " + d.resourceRef() + " " + d.field()).toList();
    }

    private static RuleSettings allowing(String... patterns) {
        return RuleSettings.defaults().withPolicy(Policy.none().withEgress(new EgressPolicy(List.of(patterns), Map.of(),
                false)));
    }

    // ---------------------------------------------------------------- wrong types

    @Test
    void hostsOfTheWrongTypeAreOneFindingNotACrash() throws Exception {
        List<Diagnostic> ds = analyze(se("a", "default", """
                hosts: 7
                ports:
                - {number: 443, name: https, protocol: HTTPS}"""));
        assertEquals(List.of("ERROR EG601 ServiceEntry/default/a spec.hosts"), keys(ds));
        assertTrue(ds.get(0).message().contains("7 is not a list"), ds.get(0).message());
    }

    @Test
    void nonStringHostsAreSkippedWithTheirIndex() throws Exception {
        List<Diagnostic> ds = analyze(se("a", "default", """
                hosts: [7, api.example.com, {x: 1}, "*"]
                ports:
                - {number: 443, name: https, protocol: HTTPS}"""));
        assertEquals(List.of("ERROR EG601 ServiceEntry/default/a spec.hosts[0]",
                "ERROR EG601 ServiceEntry/default/a spec.hosts[2]",
                "ERROR EG601 ServiceEntry/default/a spec.hosts[3]"), keys(ds));
    }

    @Test
    void portsOfTheWrongTypeAreFindings() throws Exception {
        List<Diagnostic> ds = analyze(se("a", "default", """
                hosts: [api.example.com]
                ports: "x\""""), se("b", "default", """
                hosts: [api.example.com]
                ports:
                - {number: eighty, name: http, protocol: HTTP}
                - "443"
                - {number: "8080", name: [x], protocol: 5}
                - null"""));
        assertEquals(List.of("ERROR EG603 ServiceEntry/default/a spec.ports",
                "ERROR EG603 ServiceEntry/default/b spec.ports[0].number",
                "ERROR EG603 ServiceEntry/default/b spec.ports[1]",
                // a protocol of the wrong type counts as unset: TCP-like without addresses
                "WARNING EG605 ServiceEntry/default/b spec.ports[2]",
                "ERROR EG603 ServiceEntry/default/b spec.ports[2].name",
                "ERROR EG603 ServiceEntry/default/b spec.ports[2].number", // "8080": quoted, still read as 8080
                "ERROR EG603 ServiceEntry/default/b spec.ports[2].protocol",
                "ERROR EG603 ServiceEntry/default/b spec.ports[3]"), keys(ds));
        assertTrue(ds.get(1).message().contains("\"eighty\" is not a whole number"), ds.get(1).message());
    }

    @Test
    void otherFieldsOfTheWrongTypeAreFindings() throws Exception {
        List<Diagnostic> ds = analyze(se("a", "default", """
                hosts: [api.example.com]
                addresses: 10.0.0.1
                exportTo: 3
                location: [MESH_EXTERNAL]
                resolution: {dns: true}
                endpoints: "none"
                ports:
                - {number: 443, name: https, protocol: HTTPS}"""));
        assertEquals(List.of("ERROR EG601 ServiceEntry/default/a spec.addresses",
                "ERROR EG604 ServiceEntry/default/a spec.endpoints",
                "ERROR EG601 ServiceEntry/default/a spec.exportTo",
                "ERROR EG601 ServiceEntry/default/a spec.location",
                "ERROR EG604 ServiceEntry/default/a spec.resolution"), keys(ds));
    }

    @Test
    void missingOrScalarSpecMeansNoHosts() throws Exception {
        List<Diagnostic> ds = analyze("""
                apiVersion: networking.istio.io/v1beta1
                kind: ServiceEntry
                metadata: {name: a}
                ---
                apiVersion: networking.istio.io/v1alpha3
                kind: ServiceEntry
                metadata: {name: b}
                spec: 42
                """);
        assertEquals(List.of("ERROR EG601 ServiceEntry/default/a spec.hosts",
                "ERROR EG601 ServiceEntry/default/b spec.hosts"), keys(ds));
    }

    @Test
    void defaultsAreMeshExternalAndNone() throws Exception {
        ServiceEntry e = ServiceEntry.parse(TestManifests.resources(se("a", "default", "hosts: [api.example.com]")).get(0));
        assertEquals("MESH_EXTERNAL", e.location());
        assertEquals("NONE", e.resolution());
        assertTrue(e.meshExternal());
        assertEquals(0, e.endpoints());
        ServiceEntry f = ServiceEntry.parse(TestManifests.resources(se("a", "default", """
                hosts: [api.example.com]
                location: mesh_internal
                resolution: dns
                endpoints: [{address: 10.0.0.1}, {address: 10.0.0.2}]
                exportTo: ["."]""")).get(0));
        assertEquals("MESH_INTERNAL", f.location());
        assertEquals("DNS", f.resolution());
        assertEquals(2, f.endpoints());
        assertEquals(List.of("."), f.exportTo());
    }

    // ---------------------------------------------------------------- host grammar

    @Test
    void hostGrammar() {
        assertTrue(ServiceEntryRules.hostProblem("api.example.com").isEmpty());
        assertTrue(ServiceEntryRules.hostProblem("*.example.com").isEmpty());
        assertTrue(ServiceEntryRules.hostProblem("www.example.org.").isEmpty());
        assertFalse(ServiceEntryRules.hostProblem("db").orElseThrow().partialWildcard());
        assertFalse(ServiceEntryRules.hostProblem("ns/api.example.com").orElseThrow().partialWildcard());
        assertFalse(ServiceEntryRules.hostProblem("a.*.example.com").orElseThrow().partialWildcard());
        assertFalse(ServiceEntryRules.hostProblem("x".repeat(64) + ".example.com").orElseThrow().partialWildcard());
        assertTrue(ServiceEntryRules.hostProblem("*foo.com").orElseThrow().partialWildcard());
        assertTrue(ServiceEntryRules.hostProblem("*-foo.com").orElseThrow().partialWildcard());
        // a partial wildcard whose rest is broken is an error, not a warning
        assertFalse(ServiceEntryRules.hostProblem("*foo").orElseThrow().partialWildcard());
        assertFalse(ServiceEntryRules.hostProblem("*foo.*.com").orElseThrow().partialWildcard());
        assertFalse(ServiceEntryRules.hostProblem("*foo_bar.com").orElseThrow().partialWildcard());
    }

    @Test
    void partialWildcardIsAWarning() throws Exception {
        List<Diagnostic> ds = analyze(se("a", "default", """
                hosts: ["*foo.com"]
                ports:
                - {number: 443, name: https, protocol: HTTPS}"""));
        assertEquals(List.of("WARNING EG602 ServiceEntry/default/a spec.hosts[0]",
                "WARNING EG610 ServiceEntry/default/a spec.hosts[0]"), keys(ds));
    }

    // ---------------------------------------------------------------- scale

    @Test
    void fiveThousandPortsStayLinear() throws Exception {
        StringBuilder ports = new StringBuilder("hosts: [api.example.com, \"*.example.org\"]\naddresses: [192.0.2.1]\nports:\n");
        for (int i = 0; i < 5000; i++) {
            // every 10th port repeats an earlier number, every 7th an earlier name
            int number = i % 10 == 9 ? 1000 + i - 1 : 1000 + i;
            String name = i % 7 == 6 ? "p" + (i - 1) : "p" + i;
            ports.append("- {number: ").append(number).append(", name: ").append(name).append(", protocol: HTTPS}\n");
        }
        List<Resource> rs = TestManifests.resources(se("many", "default", ports.toString()), se("other", "shop", """
                hosts: [api.example.com]
                ports:
                - {number: 1000, name: tls, protocol: TLS}"""));
        Engine engine = new Engine(allowing("api.example.com"));
        long start = System.nanoTime();
        List<Diagnostic> ds = engine.checkAll(engine.facts(new StaticClusterView(rs)));
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("ServiceEntry rules on 5,000 ports: " + millis + " ms");
        assertTrue(millis < 2000, "took " + millis + " ms");
        assertEquals(500, ds.stream().filter(d -> d.code() == Code.EG603 && d.field().endsWith(".number")).count());
        assertEquals(5000 / 7, ds.stream().filter(d -> d.code() == Code.EG603 && d.field().endsWith(".name")).count());
        // one EG612 on each side of the conflict on port 1000
        assertEquals(List.of("WARNING EG612 ServiceEntry/default/many spec.ports[0].protocol",
                        "WARNING EG612 ServiceEntry/shop/other spec.ports[0].protocol"),
                keys(ds.stream().filter(d -> d.code() == Code.EG612).toList()));
        assertEquals(List.of("ERROR POL804 ServiceEntry/default/many spec.hosts[1]"),
                keys(ds.stream().filter(d -> d.code() == Code.POL804).toList()));
    }

    @Test
    void fiveThousandConflictingServiceEntriesStayLinear() throws Exception {
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            yaml.append(se("se-" + i, "ns" + (i % 50), """
                    hosts: [api.partner.example.com]
                    ports:
                    - {number: 443, name: p, protocol: %s}""".formatted(i % 2 == 0 ? "HTTPS" : "TLS"))).append("---\n");
        }
        List<Resource> rs = TestManifests.resources(yaml.toString());
        Engine engine = new Engine(RuleSettings.defaults());
        long start = System.nanoTime();
        List<Diagnostic> ds = engine.checkAll(engine.facts(new StaticClusterView(rs)));
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("ServiceEntry rules on 5,000 ServiceEntries: " + millis + " ms");
        assertTrue(millis < 3000, "took " + millis + " ms");
        assertEquals(5000, ds.stream().filter(d -> d.code() == Code.EG612).count());
    }

    // ---------------------------------------------------------------- EG612 at admission

    @Test
    void conflictAtAdmissionIgnoresTheStoredVersionOfItself() throws Exception {
        List<Resource> stored = TestManifests.resources(se("partner", "shop", """
                hosts: [api.partner.example.com]
                ports:
                - {number: 443, name: tls, protocol: TLS}"""));
        StaticClusterView base = new StaticClusterView(stored);
        Resource updated = TestManifests.resources(se("partner", "shop", """
                hosts: [api.partner.example.com]
                ports:
                - {number: 443, name: https, protocol: HTTPS}""")).get(0);
        Engine engine = new Engine(RuleSettings.defaults());
        List<Diagnostic> ds = engine.check(updated, engine.facts(new OverlayClusterView(base, updated)));
        assertEquals(List.of(), keys(ds));

        Resource other = TestManifests.resources(se("partner-https", "payments", """
                hosts: [API.partner.example.com.]
                ports:
                - {number: 443, name: https, protocol: HTTPS}""")).get(0);
        List<Diagnostic> ds2 = engine.check(other, engine.facts(new OverlayClusterView(base, other)));
        assertEquals(List.of("WARNING EG612 ServiceEntry/payments/partner-https spec.ports[0].protocol"), keys(ds2));
        assertTrue(ds2.get(0).message().contains("ServiceEntry shop/partner spec.ports[0]"), ds2.get(0).message());
    }

    // ---------------------------------------------------------------- egress policy

    @Test
    void configMapValuesSplitOnCommasSpacesNewLinesAndComments() throws Exception {
        JsonNode data = YAML.readTree("""
                v: |
                  # a comment line
                  API.Stripe.com, *.example.org   # trailing comment
                    status.example.net,,
                  one.example.com two.example.com\tthree.example.com
                """);
        assertEquals(List.of("api.stripe.com", "*.example.org", "status.example.net", "one.example.com",
                "two.example.com", "three.example.com"), PolicyDocument.split(data.path("v").asText()));
        assertEquals(List.of(), PolicyDocument.split("# only a comment"));
    }

    @Test
    void allowListCombinesSettingsClusterKeyAndNamespaceKey() throws Exception {
        List<Resource> rs = TestManifests.resources("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: gatewarden-egress-policy, namespace: gatewarden}
                data:
                  allowed-hosts: "*.example.org"
                  namespace.payments: |
                    api.stripe.com
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: gatewarden-egress-policy, namespace: elsewhere}
                data:
                  allowed-hosts: ignored.example.com
                """);
        StaticClusterView view = new StaticClusterView(rs);
        Policy base = Policy.none().withEgress(new EgressPolicy(List.of("status.example.net"),
                Map.of("shop", List.of("cdn.example.com")), false));
        EgressPolicy policy = new ConfigMapPolicy(base, "gatewarden", List.of("gatewarden-egress-policy"))
                .policy(view).egress();
        assertEquals(Optional.of(List.of("*.example.org", "api.stripe.com", "status.example.net")),
                policy.allowList("payments"));
        assertEquals(Optional.of(List.of("*.example.org", "cdn.example.com", "status.example.net")),
                policy.allowList("shop"));
        assertEquals(Optional.empty(), EgressPolicy.none().allowList("payments"));
        assertFalse(policy.denyWildcardHosts());
    }

    @Test
    void allowListSemantics() {
        List<String> patterns = List.of("*.example.org", "api.partner.example.com");
        assertTrue(EgressPolicy.allows(patterns, "api.partner.example.com"));
        assertTrue(EgressPolicy.allows(patterns, "API.Partner.Example.com."));
        assertTrue(EgressPolicy.allows(patterns, "docs.example.org"));
        assertTrue(EgressPolicy.allows(patterns, "a.b.example.org"));
        assertTrue(EgressPolicy.allows(patterns, "*.cdn.example.org"));
        assertTrue(EgressPolicy.allows(patterns, "*.example.org"));
        assertTrue(EgressPolicy.allows(patterns, "*foo.example.org"));
        // the wildcard stands for names below example.org, not example.org itself
        assertFalse(EgressPolicy.allows(patterns, "example.org"));
        assertFalse(EgressPolicy.allows(patterns, "*.org"));
        assertFalse(EgressPolicy.allows(patterns, "*"));
        assertFalse(EgressPolicy.allows(patterns, "partner.example.com"));
        assertFalse(EgressPolicy.allows(patterns, "x.api.partner.example.com"));
        assertFalse(EgressPolicy.allows(patterns, "evilexample.org"));
        assertTrue(EgressPolicy.allows(List.of("*"), "*"));
    }

    @Test
    void allowListAppliesToMeshExternalEntriesOnly() throws Exception {
        List<Diagnostic> ds = analyze(allowing("api.partner.example.com"), se("internal", "payments", """
                hosts: [billing.vms.example]
                location: MESH_INTERNAL
                ports:
                - {number: 443, name: https, protocol: HTTPS}"""), se("external", "payments", """
                hosts: [billing.vms.example, api.partner.example.com]
                ports:
                - {number: 443, name: https, protocol: HTTPS}"""));
        assertEquals(List.of("ERROR POL804 ServiceEntry/payments/external spec.hosts[0]"), keys(ds));
        assertTrue(ds.get(0).message().contains("(api.partner.example.com)"), ds.get(0).message());
    }

    @Test
    void longAllowListsAreCutInMessages() throws Exception {
        String[] patterns = new String[25];
        for (int i = 0; i < patterns.length; i++) {
            patterns[i] = "api" + (char) ('a' + i) + ".example.com";
        }
        List<Diagnostic> ds = analyze(allowing(patterns), se("a", "default", """
                hosts: [evil.example.net]
                ports:
                - {number: 443, name: https, protocol: HTTPS}"""));
        assertEquals(1, ds.size());
        assertTrue(ds.get(0).message().contains("apij.example.com, and 15 more)"), ds.get(0).message());
    }

    @Test
    void sidecarAllowAnyUnderAnAllowList() throws Exception {
        String sidecars = """
                apiVersion: networking.istio.io/v1beta1
                kind: Sidecar
                metadata: {name: default, namespace: payments}
                spec:
                  outboundTrafficPolicy: {mode: allow_any}
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: odd, namespace: payments}
                spec:
                  outboundTrafficPolicy: "ALLOW_ANY"
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: odd2, namespace: payments}
                spec:
                  outboundTrafficPolicy: {mode: 7}
                """;
        assertEquals(List.of("ERROR POL804 Sidecar/payments/default spec.outboundTrafficPolicy.mode"),
                keys(analyze(allowing("api.partner.example.com"), sidecars)));
        assertEquals(List.of(), keys(analyze(sidecars)));
    }

    @Test
    void wildcardDeniedMakesEg610AnError() throws Exception {
        RuleSettings deny = RuleSettings.defaults().withPolicy(Policy.none().withEgress(new EgressPolicy(List.of(),
                Map.of(), true)));
        List<Diagnostic> ds = analyze(deny, se("a", "default", """
                hosts: ["*.example.com"]
                ports:
                - {number: 443, name: https, protocol: HTTPS}"""));
        assertEquals(1, ds.size());
        assertEquals(Code.EG610, ds.get(0).code());
        assertEquals(Severity.ERROR, ds.get(0).severity());
    }
}
