package io.gatewarden.rules;

import io.gatewarden.facts.RuleSettings;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.gatewarden.cluster.StaticClusterView;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.diagnostics.Severity;
import io.gatewarden.model.HostSet;
import io.gatewarden.model.Hosts;
import io.gatewarden.model.NamespacedName;
import io.gatewarden.model.Resource;
import io.gatewarden.model.VirtualService;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GW401–GW403 and RT501–RT506: Gateways against each other, Services, and the VirtualServices bound to them. */
class CrossResourceRulesTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** An ingress workload in istio-system with its Service exposing 80 (→8080) and 443 (→8443), and an app. */
    private static final String INGRESS = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: istio-ingressgateway, namespace: istio-system}
            spec:
              template:
                metadata:
                  labels: {istio: ingressgateway, app: istio-ingressgateway}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: istio-ingressgateway, namespace: istio-system}
            spec:
              selector: {istio: ingressgateway}
              ports:
              - {name: http2, port: 80, targetPort: 8080}
              - {name: https, port: 443, targetPort: 8443}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: reviews, namespace: bookinfo}
            spec:
              selector: {app: reviews}
              ports: [{port: 9080}]
            """;

    private static String gateway(String name, String selector, String servers) {
        return """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: %s, namespace: default}
                spec:
                  selector: %s
                  servers:
                %s
                """.formatted(name, selector, servers.indent(2).stripTrailing());
    }

    private static final String HTTP_ANY = """
            - port: {number: 80, name: http, protocol: HTTP}
              hosts: ["*"]""";

    private static final String HTTPS_MYAPP = """
            - port: {number: 443, name: https, protocol: HTTPS}
              hosts: [myapp.example.com]
              tls: {mode: SIMPLE, credentialName: my-tls-secret}""";

    private static final String PASSTHROUGH = """
            - port: {number: 443, name: tls, protocol: TLS}
              hosts: [tls.example.com]
              tls: {mode: PASSTHROUGH}""";

    private static String vs(String name, String spec) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: %s, namespace: default}
                spec:
                %s
                """.formatted(name, spec.indent(2).stripTrailing());
    }


    /** Findings of the codes of this test (GW4xx, RT5xx) for every resource. */
    static List<Diagnostic> analyze(String... yamls) throws Exception {
        Engine engine = new Engine(RuleSettings.defaults());
        List<Diagnostic> all = engine.checkAll(engine.facts(new StaticClusterView(TestManifests.resources(yamls))));
        List<Diagnostic> ours = all.stream()
                .filter(d -> d.code().name().startsWith("GW4") || d.code().name().startsWith("RT5")).toList();
        if (System.getProperty("printFindings") != null) {
            ours.forEach(d -> System.out.println(d.toLine()));
        }
        return ours;
    }

    /** Only this test's two rule families, timed: the scale tests measure these rules, not the others. */
    static List<Diagnostic> analyzeTimed(long maxMillis, String yaml) throws Exception {
        StaticClusterView view = new StaticClusterView(TestManifests.resources(yaml));
        Engine engine = new Engine(RuleSettings.defaults(), List.of(new GatewayConflictRules(), new RouteRules()));
        long start = System.nanoTime();
        List<Diagnostic> ds = engine.checkAll(engine.facts(view));
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("cross-resource rules on " + view.resources(io.gatewarden.model.Kind.ISTIO_GATEWAY).size() + " gateways: " + millis + " ms");
        assertTrue(millis < maxMillis, "took " + millis + " ms");
        return ds;
    }

    static List<String> keys(List<Diagnostic> ds) {
        return ds.stream().map(d -> d.severity() + " " + d.code() + " " + d.resourceRef() + " " + d.field()).toList();
    }

    static Diagnostic only(List<Diagnostic> ds, Code code) {
        List<Diagnostic> of = ds.stream().filter(d -> d.code() == code).toList();
        assertEquals(1, of.size(), "expected one " + code + " in " + keys(ds));
        return of.get(0);
    }

    // ---------------------------------------------------------------- GW401

    @Test
    void gw401SameHostPortAndBindOnSharedWorkloadIsReportedOnBothGateways() throws Exception {
        List<Diagnostic> ds = analyze(INGRESS,
                gateway("a", "{istio: ingressgateway}", HTTP_ANY),
                gateway("b", "{app: istio-ingressgateway}", """
                        - port: {number: 80, name: http, protocol: HTTP}
                          hosts: [api.example.com, "*/*"]"""));
        assertEquals(List.of("ERROR GW401 Gateway/default/a spec.servers[0].hosts[0]",
                "ERROR GW401 Gateway/default/b spec.servers[0].hosts[1]"), keys(ds));
        assertTrue(ds.get(0).message().contains("Gateway default/b spec.servers[0]"), ds.get(0).message());
        assertTrue(ds.get(1).message().contains("Gateway default/a spec.servers[0]"), ds.get(1).message());
    }

    @Test
    void gw401IgnoresNamespacePrefixAndCase() throws Exception {
        List<Diagnostic> ds = analyze(INGRESS,
                gateway("a", "{istio: ingressgateway}", """
                        - port: {number: 80, name: http, protocol: HTTP}
                          hosts: [prod/API.example.com]"""),
                gateway("b", "{istio: ingressgateway}", """
                        - port: {number: 80, name: http, protocol: HTTP}
                          hosts: [api.example.com.]"""));
        assertEquals(2, ds.stream().filter(d -> d.code() == Code.GW401).count(), keys(ds).toString());
    }

    @Test
    void gw401EqualSelectorsOverlapEvenWithoutWorkloads() throws Exception {
        List<Diagnostic> ds = analyze(
                gateway("a", "{istio: nowhere}", HTTP_ANY), gateway("b", "{istio: nowhere}", HTTP_ANY));
        assertEquals(2, ds.stream().filter(d -> d.code() == Code.GW401).count(), keys(ds).toString());
    }

    @Test
    void gw401SilentForOtherPortBindHostWorkloadOrEmptySelector() throws Exception {
        String other = """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: internal, namespace: istio-system}
                spec:
                  template:
                    metadata:
                      labels: {istio: internal}
                """;
        assertEquals(List.of(), codes(analyze(INGRESS, other,
                gateway("a", "{istio: ingressgateway}", HTTP_ANY),
                gateway("other-workload", "{istio: internal}", HTTP_ANY),
                gateway("other-bind", "{istio: ingressgateway}", """
                        - port: {number: 80, name: http, protocol: HTTP}
                          bind: 10.0.0.1
                          hosts: ["*"]"""),
                gateway("other-port", "{istio: ingressgateway}", """
                        - port: {number: 8080, name: http, protocol: HTTP}
                          hosts: ["*"]"""),
                gateway("other-host", "{istio: ingressgateway}", """
                        - port: {number: 80, name: http, protocol: HTTP}
                          hosts: [api.example.com]"""),
                gateway("empty-selector", "{}", HTTP_ANY)), Code.GW401));
    }

    @Test
    void gw401SameGatewayServersAreNotAConflictWithAnotherGateway() throws Exception {
        List<Diagnostic> ds = analyze(INGRESS, gateway("a", "{istio: ingressgateway}", HTTP_ANY + "\n" + HTTP_ANY));
        assertEquals(List.of(), codes(ds, Code.GW401));
    }

    // ---------------------------------------------------------------- GW402

    @Test
    void gw402SharedCredentialOnSharedWorkload() throws Exception {
        List<Diagnostic> ds = analyze(INGRESS,
                gateway("a", "{istio: ingressgateway}", HTTPS_MYAPP),
                gateway("b", "{istio: ingressgateway}", """
                        - port: {number: 443, name: https, protocol: HTTPS}
                          hosts: [api.example.com]
                          tls: {mode: SIMPLE, credentialNames: [other, my-tls-secret]}"""));
        assertEquals(List.of("WARNING GW402 Gateway/default/a spec.servers[0].tls.credentialName",
                "WARNING GW402 Gateway/default/b spec.servers[0].tls.credentialNames[1]"), keys(ds));
        assertTrue(ds.get(0).message().contains("404"), ds.get(0).message());
        assertTrue(ds.get(0).message().contains("HTTP/2"), ds.get(0).message());
        assertTrue(ds.get(0).message().contains("Gateway default/b spec.servers[0].tls.credentialNames[1]"));
    }

    @Test
    void gw402SilentForDifferentCredentialsOrWorkloads() throws Exception {
        assertEquals(List.of(), codes(analyze(INGRESS,
                gateway("a", "{istio: ingressgateway}", HTTPS_MYAPP),
                gateway("b", "{istio: ingressgateway}", HTTPS_MYAPP.replace("my-tls-secret", "other")
                        .replace("myapp.", "api.")),
                gateway("c", "{istio: elsewhere}", HTTPS_MYAPP.replace("myapp.", "shop."))), Code.GW402));
    }

    // ---------------------------------------------------------------- GW403

    @Test
    void gw403PortNotExposedNamesTheService() throws Exception {
        List<Diagnostic> ds = analyze(INGRESS, gateway("a", "{istio: ingressgateway}", HTTP_ANY + """

                - port: {number: 8443, name: https-direct, protocol: HTTP}
                  hosts: ["*"]
                - port: {number: 9090, name: metrics, protocol: HTTP}
                  hosts: ["*"]"""));
        Diagnostic d = only(ds, Code.GW403);
        assertEquals("spec.servers[2].port.number", d.field());
        assertEquals(Severity.WARNING, d.severity());
        assertTrue(d.message().contains("Service istio-system/istio-ingressgateway"), d.message());
        assertTrue(d.message().contains("9090"), d.message());
    }

    @Test
    void gw403NoServiceSelectsTheWorkload() throws Exception {
        String onlyDeployment = INGRESS.substring(0, INGRESS.indexOf("---"));
        List<Diagnostic> ds = analyze(onlyDeployment, gateway("a", "{istio: ingressgateway}", HTTP_ANY));
        Diagnostic d = only(ds, Code.GW403);
        assertTrue(d.message().contains("no Service selects"), d.message());
        assertTrue(d.message().contains("istio-system/istio-ingressgateway"), d.message());
    }

    @Test
    void gw403SilentWhenSelectorMatchesNoWorkload() throws Exception {
        assertEquals(List.of(), codes(analyze(gateway("a", "{istio: nowhere}", HTTP_ANY)), Code.GW403));
    }

    // ---------------------------------------------------------------- RT501

    @Test
    void rt501MissingGatewaysInEveryReferenceForm() throws Exception {
        List<Diagnostic> ds = analyze(INGRESS, gateway("gw", "{istio: ingressgateway}", HTTP_ANY), vs("v", """
                hosts: [myapp.example.com]
                gateways: [gw, default/gw, gw.default.svc.cluster.local, ./gw, mesh, missing, istio-system/gw]
                http:
                - match: [{gateways: [nope]}]
                  route: [{destination: {host: reviews.bookinfo.svc.cluster.local}}]
                tcp:
                - match: [{gateways: [mesh, gw]}]
                """));
        assertEquals(List.of("ERROR RT501 VirtualService/default/v spec.gateways[5]",
                "ERROR RT501 VirtualService/default/v spec.gateways[6]",
                "ERROR RT501 VirtualService/default/v spec.http[0].match[0].gateways[0]"), keys(ds));
        assertTrue(ds.get(0).message().contains("default/missing"), ds.get(0).message());
        assertTrue(ds.get(1).message().contains("exists in namespace default"), ds.get(1).message());
        assertTrue(ds.get(1).message().contains("default/gw"), ds.get(1).message());
    }

    @Test
    void gatewayReferenceForms() {
        assertEquals(new NamespacedName("ns1", "gw"), VirtualService.gatewayRef("gw", "ns1"));
        assertEquals(new NamespacedName("ns2", "gw"), VirtualService.gatewayRef("ns2/gw", "ns1"));
        assertEquals(new NamespacedName("ns1", "gw"), VirtualService.gatewayRef("./gw", "ns1"));
        assertEquals(new NamespacedName("ns2", "gw"), VirtualService.gatewayRef("gw.ns2.svc.cluster.local", "ns1"));
        assertEquals(new NamespacedName("ns2", "gw"), VirtualService.gatewayRef("gw.ns2", "ns1"));
    }

    // ---------------------------------------------------------------- RT502

    @Test
    void rt502NoHostMatchesTheGateway() throws Exception {
        List<Diagnostic> ds = analyze(INGRESS, gateway("shop", "{istio: ingressgateway}", """
                - port: {number: 80, name: http, protocol: HTTP}
                  hosts: [shop.example.com, "*.shop.example.org"]"""), vs("v", """
                hosts: [api.example.com, shop.example.org]
                gateways: [shop]
                """));
        Diagnostic d = only(ds, Code.RT502);
        assertEquals("spec.gateways[0]", d.field());
        assertTrue(d.message().contains("shop.example.com, *.shop.example.org"), d.message());
    }

    @Test
    void rt502HostVisibleOnlyFromAnotherNamespace() throws Exception {
        List<Diagnostic> ds = analyze(INGRESS, gateway("shop", "{istio: ingressgateway}", """
                - port: {number: 80, name: http, protocol: HTTP}
                  hosts: [team-a/shop.example.com, ./own.example.com]"""), vs("v", """
                hosts: [shop.example.com]
                gateways: [shop]
                """));
        Diagnostic d = only(ds, Code.RT502);
        assertTrue(d.message().contains("team-a/shop.example.com"), d.message());
        assertTrue(d.message().contains("may not use"), d.message());
    }

    @Test
    void rt502SilentForWildcardsAndVisibleHosts() throws Exception {
        assertEquals(List.of(), codes(analyze(INGRESS, gateway("shop", "{istio: ingressgateway}", """
                - port: {number: 80, name: http, protocol: HTTP}
                  hosts: ["*.example.com", "default/a.example.org", "./b.example.org", "*/c.example.org"]"""),
                vs("v1", "hosts: [shop.example.com]\ngateways: [shop]"),
                vs("v2", "hosts: [\"*.example.com\"]\ngateways: [shop]"),
                vs("v3", "hosts: [a.example.org]\ngateways: [shop]"),
                vs("v4", "hosts: [b.example.org]\ngateways: [shop]"),
                vs("v5", "hosts: [\"*.org\"]\ngateways: [shop]"),
                vs("v6", "hosts: [\"*\"]\ngateways: [shop]")), Code.RT502));
    }

    // ---------------------------------------------------------------- RT503

    @Test
    void rt503SniHostOutsideTheVirtualServiceHosts() throws Exception {
        List<Diagnostic> ds = analyze(INGRESS, gateway("pt", "{istio: ingressgateway}", PASSTHROUGH), vs("v", """
                hosts: [tls.example.com, "*.apps.example.com"]
                gateways: [pt]
                tls:
                - match: [{sniHosts: [tls.example.com, a.apps.example.com, other.example.com, "*.example.com"]}]
                  route: [{destination: {host: reviews.bookinfo.svc.cluster.local}}]
                """));
        assertEquals(List.of("ERROR RT503 VirtualService/default/v spec.tls[0].match[0].sniHosts[2]",
                "ERROR RT503 VirtualService/default/v spec.tls[0].match[0].sniHosts[3]"), keys(ds));
        assertTrue(ds.get(0).message().contains("\"other.example.com\""), ds.get(0).message());
    }

    // ---------------------------------------------------------------- RT504

    @Test
    void rt504PassthroughServerWithoutTlsRoute() throws Exception {
        List<Diagnostic> ds = analyze(INGRESS, gateway("pt", "{istio: ingressgateway}", PASSTHROUGH), vs("v", """
                hosts: [tls.example.com]
                gateways: [pt]
                http:
                - route: [{destination: {host: reviews.bookinfo}}]
                """));
        Diagnostic d = only(ds, Code.RT504);
        assertEquals("spec.gateways[0]", d.field());
        assertTrue(d.message().contains("spec.servers[0]"), d.message());
    }

    @Test
    void rt504SilentWithTlsRouteOrOtherHost() throws Exception {
        assertEquals(List.of(), codes(analyze(INGRESS,
                gateway("pt", "{istio: ingressgateway}", PASSTHROUGH + "\n" + HTTP_ANY.replace("\"*\"", "web.example.com")),
                vs("with-tls", """
                        hosts: [tls.example.com]
                        gateways: [pt]
                        tls: [{match: [{sniHosts: [tls.example.com]}], route: [{destination: {host: reviews.bookinfo}}]}]
                        """),
                vs("other-host", """
                        hosts: [web.example.com]
                        gateways: [pt]
                        http: [{route: [{destination: {host: reviews.bookinfo}}]}]
                        """)), Code.RT504));
    }

    @Test
    void rt510AtAdmissionTheObjectNotYetStoredIsTheNewestWhateverItsName() throws Exception {
        String gw = gateway("web", "{istio: ingressgateway}", HTTP_ANY.replace("\"*\"", "web.example.com"));
        String stored = vs("zz-storefront", """
                hosts: [web.example.com]
                gateways: [web]
                http: [{route: [{destination: {host: reviews.bookinfo}}]}]
                """).replace("namespace: default}", "namespace: default, creationTimestamp: '2024-01-10T09:00:00Z'}");
        String created = vs("aa-newcomer", """
                hosts: [web.example.com]
                gateways: [web]
                http: [{route: [{destination: {host: ratings.bookinfo}}]}]
                """);
        StaticClusterView cluster = new StaticClusterView(TestManifests.resources(INGRESS, gw, stored));
        io.gatewarden.model.Resource review = TestManifests.resources(created).get(0);
        Engine engine = new Engine(RuleSettings.defaults());
        List<Diagnostic> ds = engine.check(review, engine.facts(new io.gatewarden.cluster.OverlayClusterView(cluster, review)));
        Diagnostic d = only(ds, Code.RT510);
        assertEquals("spec.http[0]", d.field());
        assertTrue(d.message().contains("VirtualService default/zz-storefront spec.http[0] (no match) comes first"),
                d.message());

        // The same object once stored with an older creation time than the other: now it comes first, and its
        // update is warned that it hides the other's route.
        io.gatewarden.model.Resource older = TestManifests.resources(created.replace("namespace: default}",
                "namespace: default, creationTimestamp: '2023-12-01T00:00:00Z'}")).get(0);
        Diagnostic hides = only(engine.check(older,
                engine.facts(new io.gatewarden.cluster.OverlayClusterView(cluster, older))), Code.RT510);
        assertEquals("spec.http[0]", hides.field());
        assertTrue(hides.message().contains("takes every request of VirtualService default/zz-storefront spec.http[0]"),
                hides.message());
    }

    // ---------------------------------------------------------------- RT505

    @Test
    void rt505StarOnMeshByDefaultOrExplicitly() throws Exception {
        List<Diagnostic> ds = analyze(INGRESS, gateway("gw", "{istio: ingressgateway}", HTTP_ANY),
                vs("implicit", "hosts: [a.example.com, \"*\"]"),
                vs("explicit", "hosts: [\"*\"]\ngateways: [gw, mesh]"),
                vs("gateway-only", "hosts: [\"*\"]\ngateways: [gw]"));
        assertEquals(List.of("ERROR RT505 VirtualService/default/explicit spec.hosts[0]",
                "ERROR RT505 VirtualService/default/implicit spec.hosts[1]"), keys(ds));
        assertTrue(ds.get(0).message().contains("lists mesh"), ds.get(0).message());
        assertTrue(ds.get(1).message().contains("defaults to mesh"), ds.get(1).message());
    }

    // ---------------------------------------------------------------- RT506

    @Test
    void rt506DestinationForms() throws Exception {
        String se = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: ext, namespace: egress}
                spec:
                  hosts: [api.external.com, "*.wild.example.com"]
                """;
        List<Diagnostic> ds = analyze(INGRESS, se, vs("v", """
                hosts: [reviews]
                http:
                - route:
                  - destination: {host: reviews.bookinfo}
                  - destination: {host: reviews.bookinfo.svc}
                  - destination: {host: reviews.bookinfo.svc.cluster.local}
                  - destination: {host: api.external.com}
                  - destination: {host: x.wild.example.com}
                  - destination: {host: reviews}
                  - destination: {host: ratings.bookinfo}
                  - destination: {host: nowhere.example.com}
                tcp:
                - route: [{destination: {host: reviews.other.svc.cluster.local}}]
                """));
        // Istio expands only names without dots: reviews.bookinfo and reviews.bookinfo.svc name no Service.
        assertEquals(List.of("WARNING RT506 VirtualService/default/v spec.http[0].route[0].destination.host",
                "WARNING RT506 VirtualService/default/v spec.http[0].route[1].destination.host",
                "WARNING RT506 VirtualService/default/v spec.http[0].route[5].destination.host",
                "WARNING RT506 VirtualService/default/v spec.http[0].route[6].destination.host",
                "WARNING RT506 VirtualService/default/v spec.http[0].route[7].destination.host",
                "WARNING RT506 VirtualService/default/v spec.tcp[0].route[0].destination.host"), keys(ds));
        for (int i = 0; i < 2; i++) {
            assertTrue(ds.get(i).message().contains("only names without dots, so this is not Service bookinfo/reviews: "
                    + "write reviews.bookinfo.svc.cluster.local"), ds.get(i).message());
        }
        assertTrue(ds.get(2).message().contains("reviews.default.svc.cluster.local"), ds.get(2).message());
        assertTrue(ds.get(2).message().contains("exists in namespace bookinfo"), ds.get(2).message());
        assertTrue(ds.get(3).message().contains("ServiceEntry"), ds.get(3).message());
        assertTrue(ds.get(5).message().contains("exists in namespace bookinfo"), ds.get(5).message());
    }

    @Test
    void shortServiceNameResolvesInTheVirtualServiceNamespace() throws Exception {
        String svc = """
                apiVersion: v1
                kind: Service
                metadata: {name: local, namespace: default}
                spec: {selector: {app: local}, ports: [{port: 80}]}
                """;
        assertEquals(List.of(), codes(analyze(svc, vs("v", """
                hosts: [local]
                http: [{route: [{destination: {host: local}}, {destination: {host: LOCAL.default.svc.cluster.local.}}]}]
                """)), Code.RT506));
    }

    // ---------------------------------------------------------------- model

    @Test
    void modelReadsBindingsAndPaths() throws Exception {
        VirtualService v = VirtualService.parse(TestManifests.resources(vs("v", """
                hosts: [a.example.com]
                tls:
                - match: [{sniHosts: [a.example.com], gateways: [gw]}]
                  route: [{destination: {host: x}}, {destination: {host: y}}]
                """)).get(0));
        assertFalse(v.gatewaysSet());
        assertTrue(v.boundToMesh());
        assertEquals("spec.hosts[0]", v.hosts().get(0).path());
        VirtualService.Route r = v.tls().get(0);
        assertEquals("spec.tls[0].match[0].sniHosts[0]", r.matches().get(0).sniHosts().get(0).path());
        assertEquals("spec.tls[0].match[0].gateways[0]", r.matches().get(0).gateways().get(0).path());
        assertEquals("spec.tls[0].route[1].destination.host", r.destinations().get(1).path());
        assertEquals(List.of(), v.shapeErrors());
        assertEquals(List.of(), VirtualService.parse(TestManifests.resources(vs("w", "gateways: []")).get(0)).hosts());
        assertTrue(VirtualService.parse(TestManifests.resources(vs("w", "gateways: []")).get(0)).boundToMesh());
    }

    @Test
    void oddShapesBecomeFindingsNotExceptions() throws Exception {
        String[] specs = {
                "hosts: 7\ngateways: {a: b}\nhttp: nope",
                "hosts: [null, 3, a.example.com]\ngateways: [null, gw]\ntls: [null, 3, {match: 5}, {match: [null, {sniHosts: 4, gateways: x}]}]",
                "http: [{route: 5}, {route: [null, 7, {destination: 5}, {destination: {host: 9}}, {destination: {}}]}]",
                "tcp: [{match: [{gateways: [[]]}], route: [{destination: {host: \"\"}}]}]",
        };
        for (String spec : specs) {
            List<Diagnostic> ds = analyze(INGRESS, vs("v", spec));
            assertFalse(ds.isEmpty(), spec);
        }
        List<Diagnostic> ds = analyze(vs("v", "hosts: 7"));
        assertEquals("spec.hosts", only(ds, Code.RT502).field());
        // a VirtualService without a spec at all
        ObjectNode bare = (ObjectNode) YAML.readTree("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: x}");
        Resource r = Resource.of(bare, "default", "test");
        Engine engine = new Engine(RuleSettings.defaults());
        engine.check(r, engine.facts(new StaticClusterView(List.of(r))));
    }

    // ---------------------------------------------------------------- host index

    @Test
    void hostSetAgreesWithHosts() {
        String[] labels = {"*", "a", "b", "example", "com", "x"};
        Random random = new Random(42);
        for (int round = 0; round < 400; round++) {
            List<String> patterns = new ArrayList<>();
            for (int i = random.nextInt(4); i >= 0; i--) {
                patterns.add(randomHost(random, labels));
            }
            HostSet set = new HostSet(patterns);
            for (int q = 0; q < 30; q++) {
                String host = randomHost(random, labels);
                boolean within = patterns.stream().anyMatch(p -> Hosts.within(host, p));
                boolean intersect = patterns.stream().anyMatch(p -> Hosts.intersect(host, p));
                assertEquals(within, set.coversAny(host), host + " within " + patterns);
                assertEquals(intersect, set.intersectsAny(host), host + " intersect " + patterns);
            }
        }
    }

    private static String randomHost(Random random, String[] labels) {
        int n = 1 + random.nextInt(4);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String label = labels[random.nextInt(labels.length)];
            if (label.equals("*") && i > 0) {
                label = "a";
            }
            sb.append(i == 0 ? "" : ".").append(label);
        }
        return random.nextInt(10) == 0 ? sb.toString().toUpperCase() : sb.toString();
    }

    // ---------------------------------------------------------------- scale

    @Test
    void thousandGatewaysOnOneWorkloadStayFast() throws Exception {
        StringBuilder yaml = new StringBuilder(INGRESS);
        for (int i = 0; i < 1000; i++) {
            yaml.append("---\n").append(gateway("gw-" + i, "{istio: ingressgateway}", """
                    - port: {number: 80, name: http, protocol: HTTP}
                      hosts: [h%d.example.com, shared.example.com]
                    - port: {number: 443, name: https, protocol: HTTPS}
                      hosts: [h%d.example.com]
                      tls: {mode: SIMPLE, credentialName: cert-%d}""".formatted(i, i, i)));
        }
        for (int i = 0; i < 200; i++) {
            yaml.append("---\n").append(vs("vs-" + i, """
                    hosts: [h%d.example.com]
                    gateways: [gw-%d, missing-%d]
                    http: [{route: [{destination: {host: reviews.bookinfo}}]}]
                    """.formatted(i, i, i)));
        }
        List<Diagnostic> ds = analyzeTimed(10_000, yaml.toString());
        assertEquals(1000, codes(ds, Code.GW401).size());
        assertTrue(ds.get(0).message().contains("and 998 more Gateways"), ds.get(0).message());
        assertEquals(200, codes(ds, Code.RT501).size());
    }

    @Test
    void fiveThousandServersAndHosts() throws Exception {
        StringBuilder servers = new StringBuilder();
        StringBuilder hosts = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            servers.append("- port: {number: ").append(1000 + i).append(", name: p").append(i)
                    .append(", protocol: HTTP}\n  hosts: [s").append(i).append(".example.com]\n");
            hosts.append(i == 0 ? "" : ", ").append("v").append(i).append(".example.org");
        }
        List<Diagnostic> ds = analyzeTimed(10_000, String.join("---\n", INGRESS,
                gateway("big", "{istio: ingressgateway}", servers.toString()),
                gateway("big2", "{istio: ingressgateway}", servers.toString()),
                vs("v", "hosts: [" + hosts + "]\ngateways: [big]")));
        assertEquals(10_000, codes(ds, Code.GW401).size());
        assertEquals(1, codes(ds, Code.RT502).size());
        assertTrue(only(ds, Code.RT502).message().contains("and 4995 more"));
    }

    @Test
    void twoThousandVirtualServicesOnOneGatewayWithManyHosts() throws Exception {
        StringBuilder servers = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            servers.append("- port: {number: 80, name: http, protocol: HTTP}\n  hosts: [s").append(i)
                    .append(".example.com]\n");
        }
        StringBuilder yaml = new StringBuilder(INGRESS).append("---\n")
                .append(gateway("big", "{istio: ingressgateway}", servers.toString()));
        for (int i = 0; i < 2000; i++) {
            // Pairs on one host: the second of each pair (by name) is hidden behind the first's catch-all; both hear.
            yaml.append("---\n").append(vs("v" + (i % 2) + "-" + i / 2, """
                    hosts: [s%d.example.com, a%d.example.org, b%d.example.org]
                    gateways: [big]
                    http: [{route: [{destination: {host: reviews.bookinfo}}]}]
                    """.formatted(i / 2 % 1000, i, i)));
        }
        List<Diagnostic> ds = analyzeTimed(10_000, yaml.toString());
        assertEquals(2000, codes(ds, Code.RT510).size());
    }

    private static List<String> codes(List<Diagnostic> ds, Code code) {
        return keys(ds.stream().filter(d -> d.code() == code).toList());
    }
}
