package io.gatewarden.rules;

import io.gatewarden.facts.RuleSettings;
import io.gatewarden.cluster.OverlayClusterView;
import io.gatewarden.cluster.StaticClusterView;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.model.Resource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** EG606–EG608 (DestinationRuleRules) and EG611 (EgressRoutingRules): odd input and scale. */
class DestinationRuleRulesTest {

    private static final String EGRESS_GATEWAY = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: istio-egressgateway, namespace: istio-system}
            spec:
              template:
                metadata:
                  labels: {istio: egressgateway}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: istio-egressgateway, namespace: istio-system}
            spec:
              selector: {istio: egressgateway}
              ports: [{name: https, port: 443}]
            ---
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: egress, namespace: istio-system}
            spec:
              selector: {istio: egressgateway}
              servers:
              - port: {number: 443, name: tls, protocol: TLS}
                hosts: ["*"]
                tls: {mode: PASSTHROUGH}
            """;


    private static String dr(String spec) {
        return """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: dr, namespace: istio-system}
                spec:
                %s
                """.formatted(spec.indent(2).stripTrailing());
    }

    private static String vs(String name, String spec) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: %s, namespace: default}
                spec:
                %s
                """.formatted(name, spec.indent(2).stripTrailing());
    }

    /** Findings of the two rule families under test only. */
    private static List<Diagnostic> run(String... yamls) throws Exception {
        Engine engine = new Engine(RuleSettings.defaults(), List.of(new DestinationRuleRules(), new EgressRoutingRules()));
        List<Diagnostic> ds = engine.checkAll(engine.facts(new StaticClusterView(TestManifests.resources(yamls))));
        if (System.getProperty("printFindings") != null) {
            ds.forEach(d -> System.out.println(d.toLine()));
        }
        return ds;
    }

    private static long count(List<Diagnostic> ds, Code code) {
        return ds.stream().filter(d -> d.code() == code).count();
    }

    @Test
    void wrongTypesNeverThrow() throws Exception {
        String[] specs = {
                "host: 5\ntrafficPolicy: 7",
                "workloadSelector: nope\ntrafficPolicy: {tls: \"SIMPLE\"}",
                "workloadSelector: {matchLabels: [a, b]}\ntrafficPolicy: {tls: {mode: MUTUAL, credentialName: 3}}",
                "trafficPolicy: {tls: {mode: 5, insecureSkipVerify: \"yes\", caCertificates: [x]}}",
                "trafficPolicy: {portLevelSettings: [null, 3, {port: 7}, {port: {number: x}, tls: {mode: SIMPLE}}, {tls: []}]}",
                "subsets: [null, 4, {trafficPolicy: []}, {trafficPolicy: {tls: {mode: MUTUAL, clientCertificate: {}}}}]",
                "subsets: {a: b}\ntrafficPolicy: {tls: {mode: MUTUAL, privateKey: 1, clientCertificate: [1]}}",
                "workloadSelector: {matchLabels: {}}\ntrafficPolicy: {tls: {mode: SIMPLE, credentialName: c}}",
                "workloadSelector: {matchLabels: {istio: null, a: {b: c}}}\ntrafficPolicy: {tls: {mode: SIMPLE, credentialName: c}}",
        };
        for (String spec : specs) {
            run(EGRESS_GATEWAY, dr(spec));
        }
        // type errors surface as EG606 shape errors at the exact field
        List<Diagnostic> ds = run(dr("trafficPolicy: {tls: {mode: SIMPLE, caCertificates: [x]}}"));
        assertTrue(ds.stream().anyMatch(d -> d.code() == Code.EG606
                && d.field().equals("spec.trafficPolicy.tls.caCertificates")), ds.toString());
        // a DestinationRule with no spec, and one whose spec is a list
        run("apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: x}");
        run("apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: x}\nspec: [1, 2]");
        // VirtualServices of every odd shape against an egress gateway
        String[] vsSpecs = {
                "hosts: 7\ngateways: {a: b}\nhttp: nope",
                "hosts: [null, 3, api.example.com]\ngateways: [null, istio-system/egress, mesh]\ntls: [null, 3, {match: 5}]",
                "hosts: [\"*\", \"*.example.com\", api.example.com.]\nhttp: [{route: [null, {destination: {host: istio-egressgateway.istio-system}}]}]",
                "hosts: [api.example.com]\ngateways: [istio-system/egress]\ntcp: [{match: [{gateways: [[]]}], route: [{destination: {host: \"\"}}]}, {route: [{destination: {host: \"*.example.com\"}}]}]",
                "hosts: [a.b]\nhttp: [{match: [null, {gateways: [mesh, x/y/z, ./egress, egress.istio-system]}], route: [{destination: {host: .}}]}]",
        };
        for (String spec : vsSpecs) {
            run(EGRESS_GATEWAY, vs("v", spec));
        }
    }

    @Test
    void emptyMatchLabelsSelectEveryPodOfTheNamespace() throws Exception {
        String spec = "workloadSelector: {matchLabels: {}}\ntrafficPolicy: {tls: {mode: SIMPLE, credentialName: c}}";
        assertEquals(0, count(run(EGRESS_GATEWAY, dr(spec)), Code.EG608));
        List<Diagnostic> ds = run(EGRESS_GATEWAY, dr(spec).replace("namespace: istio-system}", "namespace: empty}"));
        assertEquals(1, count(ds, Code.EG608), ds.toString());
    }

    @Test
    void fiveThousandPortLevelSettingsAreFast() throws Exception {
        StringBuilder spec = new StringBuilder("host: api.example.com\ntrafficPolicy:\n  portLevelSettings:\n");
        for (int i = 0; i < 5000; i++) {
            String tls = switch (i % 4) {
                case 0 -> "{mode: SIMPLE}";
                case 1 -> "{mode: MUTUAL, caCertificates: /ca.pem}";
                case 2 -> "{mode: SIMPLE, credentialName: c, caCertificates: /ca.pem}";
                default -> "{mode: ISTIO_MUTUAL}";
            };
            spec.append("  - port: {number: ").append(1 + i).append("}\n    tls: ").append(tls).append('\n');
        }
        List<Resource> rs = TestManifests.resources(EGRESS_GATEWAY, dr(spec.toString()));
        Engine engine = new Engine(RuleSettings.defaults(), List.of(new DestinationRuleRules()));
        long start = System.nanoTime();
        List<Diagnostic> ds = engine.checkAll(engine.facts(new StaticClusterView(rs)));
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("DestinationRuleRules on 5,000 portLevelSettings: " + millis + " ms");
        assertTrue(millis < 2_000, "took " + millis + " ms");
        assertEquals(1250, count(ds, Code.EG606));
        assertEquals(1250, count(ds, Code.EG607));
        assertEquals(1250, count(ds, Code.EG608));
    }

    @Test
    void egressRoutingWithManyRoutesAndHostsIsFast() throws Exception {
        int n = 3000;
        StringBuilder hosts = new StringBuilder();
        StringBuilder se = new StringBuilder();
        StringBuilder meshRoutes = new StringBuilder();
        StringBuilder gatewayRoutes = new StringBuilder();
        for (int i = 0; i < n; i++) {
            hosts.append("- api").append(i).append(".example.com\n");
            if (i % 2 == 0) {
                se.append("- api").append(i).append(".example.com\n");
            }
            meshRoutes.append("- match: [{gateways: [mesh], sniHosts: [api").append(i).append(".example.com]}]\n")
                    .append("  route: [{destination: {host: istio-egressgateway.istio-system.svc.cluster.local}}]\n");
            if (i % 3 == 0) {
                gatewayRoutes.append("- match: [{gateways: [istio-system/egress], sniHosts: [api").append(i)
                        .append(".example.com]}]\n  route: [{destination: {host: api").append(i).append(".example.com}}]\n");
            }
        }
        String mesh = vs("mesh-hop", "hosts:\n" + hosts.toString().indent(2) + "gateways: [mesh]\ntls:\n"
                + meshRoutes.toString().indent(2));
        String gateway = vs("gateway-hop", "hosts:\n" + hosts.toString().indent(2) + "gateways: [istio-system/egress]\ntls:\n"
                + gatewayRoutes.toString().indent(2));
        String entry = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: apis, namespace: default}
                spec:
                  hosts:
                %s
                """.formatted(se.toString().indent(2).stripTrailing());
        List<Resource> rs = TestManifests.resources(EGRESS_GATEWAY, mesh, gateway, entry);
        Engine engine = new Engine(RuleSettings.defaults(), List.of(new EgressRoutingRules()));
        long start = System.nanoTime();
        List<Diagnostic> ds = engine.checkAll(engine.facts(new StaticClusterView(rs)));
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("EgressRoutingRules on 2 x " + n + " routes and hosts: " + millis + " ms");
        assertTrue(millis < 3_000, "took " + millis + " ms");
        // every host has both hops (the gateway-hop VirtualService lists all hosts), so only the
        // ServiceEntry gaps remain, once per VirtualService and undeclared host it involves:
        // mesh-hop: the n/2 odd hosts; gateway-hop: its hosts routed onward (i % 3 == 0) that are odd (n/6)
        assertEquals(n / 2 + n / 6, count(ds, Code.EG611), ds.stream().limit(3).toList().toString());
    }

    @Test
    void underReviewReplacesItsStoredVersion() throws Exception {
        String entry = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: api, namespace: default}
                spec:
                  hosts: [api.example.com]
                """;
        String meshRoute = """
                - match: [{gateways: [mesh], sniHosts: [api.example.com]}]
                  route: [{destination: {host: istio-egressgateway.istio-system.svc.cluster.local}}]""";
        String gatewayRoute = """
                - match: [{gateways: [istio-system/egress], sniHosts: [api.example.com]}]
                  route: [{destination: {host: api.example.com}}]""";
        String head = "hosts: [api.example.com]\ngateways: [mesh, istio-system/egress]\ntls:\n";
        String complete = vs("api", head + meshRoute + "\n" + gatewayRoute);
        StaticClusterView stored = new StaticClusterView(TestManifests.resources(EGRESS_GATEWAY, entry, complete));
        Engine engine = new Engine(RuleSettings.defaults(), List.of(new EgressRoutingRules()));
        assertEquals(0, count(engine.checkAll(engine.facts(stored)), Code.EG611));

        // under review, the VirtualService drops its gateway route: its stored version no longer counts
        Resource noGatewayRoute = TestManifests.resources(vs("api", head + meshRoute)).get(0);
        List<Diagnostic> ds = engine.check(noGatewayRoute, engine.facts(new OverlayClusterView(stored, noGatewayRoute)));
        assertEquals(1, count(ds, Code.EG611), ds.toString());
        assertEquals("spec.tls[0].route[0].destination.host", ds.get(0).field());

        // ... and drops its mesh route instead
        Resource noMeshRoute = TestManifests.resources(vs("api", head + gatewayRoute)).get(0);
        ds = engine.check(noMeshRoute, engine.facts(new OverlayClusterView(stored, noMeshRoute)));
        assertEquals(1, count(ds, Code.EG611), ds.toString());
        assertEquals("spec.tls[0].match[0].gateways[0]", ds.get(0).field());
        assertTrue(ds.get(0).message().contains("add a route matching gateways: [mesh]")
                && !ds.get(0).message().contains("add mesh to spec.gateways"), ds.get(0).message());

        // another stored VirtualService holding the gateway route completes it
        String other = vs("api-gw", "hosts: [api.example.com]\ngateways: [istio-system/egress]\ntls:\n" + gatewayRoute);
        StaticClusterView withOther = new StaticClusterView(TestManifests.resources(EGRESS_GATEWAY, entry, complete, other));
        ds = engine.check(noGatewayRoute, engine.facts(new OverlayClusterView(withOther, noGatewayRoute)));
        assertEquals(0, count(ds, Code.EG611), ds.toString());
    }
}
