package io.gatewarden.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.zjsonpatch.JsonPatch;
import io.gatewarden.GoldenCorpus;
import io.gatewarden.admission.Defaulter.Change;
import io.gatewarden.cli.Analysis;
import io.gatewarden.cli.ManifestReader;
import io.gatewarden.cluster.StaticClusterView;
import io.gatewarden.demands.Demands;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.diagnostics.Severity;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.rules.Engine;
import io.gatewarden.facts.RuleSettings;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mutating webhook's defaults on raw JSON: each MUT code, what must stay untouched, the
 * JSONPatch itself (applied with zjsonpatch, as the API server would), and idempotence over the
 * whole golden corpus.
 */
class DefaulterTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final DefaultSettings ON = DefaultSettings.defaults();

    static JsonNode yaml(String text) throws Exception {
        return YAML.readTree(text);
    }

    static List<Change> changes(JsonNode object) {
        return Defaulter.changes(object, ON);
    }

    /** The object as the API server stores it: the patch applied by zjsonpatch to the raw input. */
    static JsonNode apply(JsonNode object, List<Change> changes) {
        return JsonPatch.apply(Defaulter.patch(changes), object);
    }

    static JsonNode mutate(JsonNode object, DefaultSettings settings) {
        return apply(object, Defaulter.changes(object, settings));
    }

    static List<String> codes(List<Change> changes) {
        return changes.stream().map(c -> c.code().name()).toList();
    }

    static String gateway(String servers) {
        return """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: web, namespace: shop}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                """ + servers.indent(2);
    }

    // ------------------------------------------------------------------ MUT901

    @Test
    void mut901ModeSimpleWhereACertificateIsGivenWithoutMode() throws Exception {
        JsonNode gw = yaml(gateway("""
                - port: {number: 80, name: http, protocol: HTTP}
                  hosts: [shop.example.com]
                - port: {number: 443, name: https, protocol: HTTPS}
                  hosts: [shop.example.com]
                  tls: {credentialName: shop-tls, minProtocolVersion: TLSV1_2}
                """));
        List<Change> changes = changes(gw);
        assertEquals(List.of("MUT901", "MUT907"), codes(changes));
        Change mode = changes.get(0);
        assertEquals("[MUT901] spec.servers[1].tls.mode: set to SIMPLE because credentialName is set (Istio would "
                + "otherwise pass TLS through and ignore the certificate)", mode.warning());
        assertEquals("add", mode.op());
        assertEquals("/spec/servers/1/tls/mode", mode.path());
        assertNull(mode.oldValue());
        assertEquals("SIMPLE", mode.value().asText());
        assertEquals("SIMPLE", apply(gw, changes).at("/spec/servers/1/tls/mode").asText());
    }

    @Test
    void mut901NamesEverySourceAndReplacesAnEmptyMode() throws Exception {
        JsonNode gw = yaml(gateway("""
                - port: {number: 443, name: https, protocol: HTTPS}
                  hosts: [shop.example.com]
                  tls: {mode: "", serverCertificate: /etc/c.pem, privateKey: /etc/k.pem, minProtocolVersion: TLSV1_3}
                """));
        Change mode = changes(gw).get(0);
        assertEquals("replace", mode.op());
        assertEquals("", mode.oldValue().asText());
        assertTrue(mode.message().startsWith("set to SIMPLE because serverCertificate and privateKey are set"), mode.message());
    }

    @Test
    void mut901LeavesAmbiguousOrNonTerminatingServersAlone() throws Exception {
        // caCertificates / subjectAltNames / caCrl: MUTUAL may be meant; TCP and HTTP: tls has no place there.
        JsonNode gw = yaml(gateway("""
                - port: {number: 443, name: https, protocol: HTTPS}
                  hosts: [a.example.com]
                  tls: {credentialName: a-tls, caCertificates: /etc/ca.pem}
                - port: {number: 444, name: https-2, protocol: HTTPS}
                  hosts: [b.example.com]
                  tls: {credentialName: b-tls, subjectAltNames: [client.example.com]}
                - port: {number: 8443, name: tcp, protocol: TCP}
                  hosts: [c.example.com]
                  tls: {credentialName: c-tls}
                - port: {number: 80, name: http, protocol: HTTP}
                  hosts: [d.example.com]
                  tls: {httpsRedirect: true}
                - port: {number: 445, name: tls, protocol: TLS}
                  hosts: [e.example.com]
                  tls: {}
                """));
        assertEquals(List.of(), changes(gw));
        assertEquals(List.of(), Defaulter.changes(yaml(gateway("""
                - port: {number: 443, name: https, protocol: HTTPS}
                  hosts: [a.example.com]
                  tls: {credentialName: a-tls, minProtocolVersion: TLSV1_2}
                """)), ON.withTlsMode(false)));
    }

    // ------------------------------------------------------------------ MUT902

    @Test
    void mut902HttpsServerWithOnlyHostsGetsAProvisionedCredential() throws Exception {
        JsonNode gw = yaml(gateway("""
                - port: {number: 443, name: https, protocol: HTTPS}
                  hosts: [shop.example.com]
                """));
        List<Change> changes = changes(gw);
        assertEquals(List.of("MUT902", "MUT903", "MUT907"), codes(changes));
        JsonNode tls = apply(gw, changes).at("/spec/servers/0/tls");
        assertEquals("SIMPLE", tls.path("mode").asText());
        assertEquals("shop-web-https-tls", tls.path("credentialName").asText());
        assertEquals("TLSV1_2", tls.path("minProtocolVersion").asText());
        assertEquals("[MUT902] spec.servers[0].tls: added with mode SIMPLE and credentialName \"shop-web-https-tls\" "
                + "because an HTTPS server needs a certificate and none was given; Gatewarden provisions that secret "
                + "in the gateway workload namespace", changes.get(0).warning());
        assertEquals("/spec/servers/0/tls", changes.get(0).path());
        assertEquals("/spec/servers/0/tls/minProtocolVersion", changes.get(1).path());
    }

    @Test
    void mut902SimpleWithoutCertificateGetsACredentialName() throws Exception {
        JsonNode gw = yaml(gateway("""
                - port: {number: 8443, name: tls-api, protocol: TLS}
                  hosts: [api.example.com, "*.api.example.com"]
                  tls: {mode: SIMPLE, minProtocolVersion: TLSV1_3}
                """));
        List<Change> changes = changes(gw);
        assertEquals(List.of("MUT902", "MUT907"), codes(changes));
        assertEquals("/spec/servers/0/tls/credentialName", changes.get(0).path());
        assertEquals("[MUT902] spec.servers[0].tls.credentialName: set to \"shop-web-tls-api-tls\" because tls.mode is "
                + "SIMPLE and no certificate was given; Gatewarden provisions that secret in the gateway workload "
                + "namespace", changes.get(0).warning());
    }

    @Test
    void mut902OnlyWhereTheAnswerIsClear() throws Exception {
        JsonNode gw = yaml(gateway("""
                - port: {number: 443, name: tls-passthrough, protocol: TLS}
                  hosts: [a.example.com]
                - port: {number: 444, name: mutual, protocol: HTTPS}
                  hosts: [b.example.com]
                  tls: {mode: MUTUAL, minProtocolVersion: TLSV1_2}
                - port: {number: 445, name: any-host, protocol: HTTPS}
                  hosts: ["*"]
                - port: {number: 446, name: files, protocol: HTTPS}
                  hosts: [c.example.com]
                  tls: {mode: SIMPLE, caCertificates: /etc/ca.pem, minProtocolVersion: TLSV1_2}
                - port: {number: 447, name: mesh, protocol: HTTPS}
                  hosts: [d.example.com]
                  tls: {mode: ISTIO_MUTUAL, minProtocolVersion: TLSV1_2}
                """));
        assertEquals(List.of(), changes(gw));
        // Without provisioning (or with the default off) nobody would create the secret: no name.
        JsonNode bare = yaml(gateway("""
                - port: {number: 443, name: https, protocol: HTTPS}
                  hosts: [shop.example.com]
                  tls: {mode: SIMPLE, minProtocolVersion: TLSV1_2}
                """));
        assertEquals(List.of(), Defaulter.changes(bare, ON.withCredentialName(false)));
        // generateName: no stable name yet.
        ObjectNode generated = (ObjectNode) bare.deepCopy();
        ((ObjectNode) generated.get("metadata")).remove("name");
        ((ObjectNode) generated.get("metadata")).put("generateName", "web-");
        assertEquals(List.of(), changes(generated));
    }

    @Test
    void mut902UsesTheRequestNamespaceAndTheDefaultedPortName() throws Exception {
        JsonNode gw = yaml("""
                apiVersion: networking.istio.io/v1beta1
                kind: Gateway
                metadata: {name: edge}
                spec:
                  servers:
                  - port: {number: 443, protocol: HTTPS}
                    hosts: [edge.example.com]
                """);
        List<Change> changes = Defaulter.changes(gw, "payments", ON);
        assertEquals(List.of("MUT904", "MUT902", "MUT903", "MUT907"), codes(changes));
        JsonNode out = apply(gw, changes);
        assertEquals("https-443", out.at("/spec/servers/0/port/name").asText());
        assertEquals("payments-edge-https-443-tls", out.at("/spec/servers/0/tls/credentialName").asText());
        // Port name defaulting off: the number stands in.
        JsonNode noNames = mutate(gw, ON.withPortNames(false));
        assertEquals("default-edge-443-tls", noNames.at("/spec/servers/0/tls/credentialName").asText());
    }

    @Test
    void credentialNamesAreReadableStableAndValidSecretNames() {
        assertEquals("shop-web-https-tls", Defaulter.credentialName("shop", "web", "https"));
        assertEquals("shop-web-443-tls", Defaulter.credentialName("shop", "web", "443"));
        assertEquals(Defaulter.credentialName("shop", "web", "https"), Defaulter.credentialName("shop", "web", "https"));
        // Characters outside [a-z0-9-] are replaced and a hash keeps distinct inputs distinct.
        String underscore = Defaulter.credentialName("shop", "web", "https_a");
        String dash = Defaulter.credentialName("shop", "web", "https-a");
        assertEquals("shop-web-https-a-tls", dash);
        assertTrue(underscore.matches("shop-web-https-a-[0-9a-f]{8}-tls"), underscore);
        assertNotEquals(underscore, dash);
        assertTrue(Defaulter.credentialName("shop", "My.Gateway", "HTTPS").matches("shop-my-gateway-https-[0-9a-f]{8}-tls"));
        // Too long: cut to 253 with the hash before -tls.
        String longName = "g".repeat(240);
        String a = Defaulter.credentialName("shop", longName, "https");
        String b = Defaulter.credentialName("shop", longName, "https-2");
        assertEquals(253, a.length(), a);
        assertTrue(a.matches("shop-g+-[0-9a-f]{8}-tls"), a);
        assertNotEquals(a, b);
        for (String n : List.of(a, b, underscore, dash, Defaulter.credentialName("-x-", "--", "___"))) {
            assertTrue(Demands.validSecretName(n), n);
        }
    }

    // ------------------------------------------------------------------ MUT903

    @Test
    void mut903RaisesOrSetsTheFloor() throws Exception {
        JsonNode gw = yaml(gateway("""
                - port: {number: 443, name: old, protocol: HTTPS}
                  hosts: [a.example.com]
                  tls: {mode: SIMPLE, credentialName: a-tls, minProtocolVersion: TLSV1_0}
                - port: {number: 444, name: auto, protocol: HTTPS}
                  hosts: [b.example.com]
                  tls: {mode: MUTUAL, credentialName: b-tls, minProtocolVersion: TLS_AUTO}
                - port: {number: 445, name: new, protocol: HTTPS}
                  hosts: [c.example.com]
                  tls: {mode: SIMPLE, credentialName: c-tls, minProtocolVersion: TLSV1_3}
                - port: {number: 446, name: capped, protocol: HTTPS}
                  hosts: [d.example.com]
                  tls: {mode: SIMPLE, credentialName: d-tls, minProtocolVersion: TLSV1_0, maxProtocolVersion: TLSV1_1}
                - port: {number: 447, name: passthrough, protocol: TLS}
                  hosts: [e.example.com]
                  tls: {mode: PASSTHROUGH}
                - port: {number: 448, name: unset, protocol: TLS}
                  hosts: [f.example.com]
                  tls: {mode: OPTIONAL_MUTUAL, credentialName: f-tls}
                """));
        List<Change> changes = changes(gw);
        assertEquals(List.of("MUT903", "MUT903", "MUT903", "MUT907"), codes(changes));
        assertEquals("[MUT903] spec.servers[0].tls.minProtocolVersion: raised from TLSV1_0 to TLSV1_2, the configured "
                + "floor (gatewarden.defaults.min-protocol-version): older TLS versions have known weaknesses",
                changes.get(0).warning());
        assertEquals("TLSV1_0", changes.get(0).oldValue().asText());
        assertEquals("replace", changes.get(0).op());
        assertEquals("/spec/servers/1/tls/minProtocolVersion", changes.get(1).path());
        assertEquals("add", changes.get(2).op());
        assertEquals("/spec/servers/5/tls/minProtocolVersion", changes.get(2).path());

        JsonNode tls13 = mutate(gw, ON.withMinProtocolVersion("tlsv1_3"));
        for (int i : new int[] {0, 1, 2, 5}) {
            assertEquals("TLSV1_3", tls13.at("/spec/servers/" + i + "/tls/minProtocolVersion").asText());
        }
        assertEquals(List.of(), Defaulter.changes(gw, ON.withMinProtocolVersion("off")));
    }

    // ------------------------------------------------------------------ MUT904

    @Test
    void mut904NamesPortsUniquely() throws Exception {
        JsonNode gw = yaml(gateway("""
                - port: {number: 80, protocol: HTTP}
                  hosts: [a.example.com]
                - port: {number: 80, protocol: http, name: ""}
                  hosts: [b.example.com]
                - port: {number: 81, name: http-80, protocol: HTTP}
                  hosts: [c.example.com]
                - port: {number: "8080", protocol: GRPC-WEB, name: null}
                  hosts: [d.example.com]
                - port: {number: 82, protocol: NOPE}
                  hosts: [e.example.com]
                - port: {protocol: HTTP}
                  hosts: [f.example.com]
                """));
        List<Change> changes = changes(gw);
        assertEquals(List.of("MUT904", "MUT904", "MUT904", "MUT907"), codes(changes));
        JsonNode out = apply(gw, changes);
        assertEquals("http-80-2", out.at("/spec/servers/0/port/name").asText());
        assertEquals("http-80-3", out.at("/spec/servers/1/port/name").asText());
        assertEquals("grpc-web-8080", out.at("/spec/servers/3/port/name").asText());
        assertTrue(out.at("/spec/servers/4/port/name").isMissingNode());
        assertEquals("[MUT904] spec.servers[3].port.name: set to \"grpc-web-8080\" because the port had no name, which "
                + "Istio requires for every server", changes.get(2).warning());
        assertEquals("replace", changes.get(1).op());
    }

    // ------------------------------------------------------------------ MUT905

    @Test
    void mut905LowerCasesGatewayAndVirtualServiceHosts() throws Exception {
        JsonNode gw = yaml(gateway("""
                - port: {number: 80, name: http, protocol: HTTP}
                  hosts: [Shop.Example.COM, "istio-system/API.example.com", ok.example.com, 7]
                """));
        List<Change> changes = changes(gw);
        assertEquals(List.of("MUT905", "MUT905", "MUT907"), codes(changes));
        assertEquals("[MUT905] spec.servers[0].hosts[0]: \"Shop.Example.COM\" lower-cased to \"shop.example.com\": host "
                + "names are case-insensitive, and one spelling keeps host matching and certificates consistent",
                changes.get(0).warning());
        JsonNode out = apply(gw, changes);
        assertEquals("[\"shop.example.com\",\"istio-system/api.example.com\",\"ok.example.com\",7]",
                out.at("/spec/servers/0/hosts").toString());

        JsonNode vs = yaml("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: shop, namespace: shop}
                spec:
                  hosts: [Shop.Example.com]
                  gateways: [Web]
                  http:
                  - match: [{uri: {prefix: /API}}]
                    route: [{destination: {host: Shop.svc}}]
                """);
        JsonNode mutated = mutate(vs, ON);
        assertEquals("shop.example.com", mutated.at("/spec/hosts/0").asText());
        assertEquals("Web", mutated.at("/spec/gateways/0").asText());
        assertEquals("/API", mutated.at("/spec/http/0/match/0/uri/prefix").asText());
        assertEquals(List.of(), Defaulter.changes(vs, ON.withLowercaseHosts(false)));
    }

    // ------------------------------------------------------------------ MUT906

    @Test
    void mut906OriginationSniFromTheHost() throws Exception {
        JsonNode dr = yaml("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: api, namespace: egress}
                spec:
                  host: API.partner.com
                  trafficPolicy:
                    tls: {mode: SIMPLE}
                    portLevelSettings:
                    - port: {number: 443}
                      tls: {mode: MUTUAL, credentialName: client, sni: ""}
                    - port: {number: 8443}
                      tls: {mode: SIMPLE, sni: other.partner.com}
                    - port: {number: 9443}
                      tls: {mode: ISTIO_MUTUAL}
                  subsets:
                  - name: v1
                    trafficPolicy:
                      tls: {mode: SIMPLE}
                """);
        List<Change> changes = changes(dr);
        assertEquals(List.of("MUT906", "MUT906", "MUT906", "MUT907"), codes(changes));
        assertEquals("[MUT906] spec.trafficPolicy.tls.sni: set to \"api.partner.com\" (spec.host) because TLS "
                + "origination without SNI gets the server's default certificate or a failed handshake",
                changes.get(0).warning());
        assertEquals("/spec/trafficPolicy/portLevelSettings/0/tls/sni", changes.get(1).path());
        assertEquals("replace", changes.get(1).op());
        assertEquals("/spec/subsets/0/trafficPolicy/tls/sni", changes.get(2).path());
        JsonNode out = apply(dr, changes);
        assertEquals("other.partner.com", out.at("/spec/trafficPolicy/portLevelSettings/1/tls/sni").asText());
        assertTrue(out.at("/spec/trafficPolicy/portLevelSettings/2/tls/sni").isMissingNode());
        assertEquals("API.partner.com", out.at("/spec/host").asText(), "the DestinationRule host itself is left alone");

        for (String host : List.of("\"*.partner.com\"", "reviews", "10.0.0.1", "\"[::1]\"")) {
            JsonNode other = yaml("""
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: x}
                    spec:
                      host: %s
                      trafficPolicy: {tls: {mode: SIMPLE}}
                    """.formatted(host));
            assertEquals(List.of(), changes(other), host);
        }
        assertEquals(List.of(), Defaulter.changes(dr, ON.withDestinationRuleSni(false)));
    }

    // ------------------------------------------------------------------ MUT907 and opting out

    @Test
    void mut907RecordsCodesMergedSortedAndEscaped() throws Exception {
        JsonNode gw = yaml("""
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata:
                  name: web
                  annotations: {gatewarden.io/defaulted: "MUT905,MUT999", other/key: kept}
                spec:
                  servers:
                  - port: {number: 443, name: https, protocol: HTTPS}
                    hosts: [Shop.example.com]
                    tls: {credentialName: shop-tls}
                """);
        List<Change> changes = changes(gw);
        Change annotation = changes.get(changes.size() - 1);
        assertEquals(Code.MUT907, annotation.code());
        assertEquals("/metadata/annotations/gatewarden.io~1defaulted", annotation.path());
        assertEquals("replace", annotation.op());
        assertEquals("MUT901,MUT903,MUT905,MUT999", annotation.value().asText());
        assertEquals("[MUT907] metadata.annotations[\"gatewarden.io/defaulted\"]: set to \"MUT901,MUT903,MUT905,MUT999\" "
                + "to record the defaults Gatewarden applied (opt out with annotation gatewarden.io/defaults: \"off\")",
                annotation.warning());
        JsonNode out = apply(gw, changes);
        assertEquals("kept", out.at("/metadata/annotations/other~1key").asText());

        // No annotations at all: the map is added.
        JsonNode bare = yaml(gateway("""
                - port: {number: 443, name: https, protocol: HTTPS}
                  hosts: [shop.example.com]
                  tls: {credentialName: shop-tls}
                """));
        Change added = changes(bare).get(changes(bare).size() - 1);
        assertEquals("/metadata/annotations", added.path());
        assertEquals("{\"gatewarden.io/defaulted\":\"MUT901,MUT903\"}", added.value().toString());
        assertFalse(codes(Defaulter.changes(bare, ON.withAnnotation(false))).contains("MUT907"));
        assertEquals("a~1b~0c", Defaulter.token("a/b~c"));
    }

    @Test
    void optedOutResourcesAreLeftAlone() throws Exception {
        for (String kind : List.of("Gateway", "VirtualService", "DestinationRule")) {
            JsonNode object = yaml("""
                    apiVersion: networking.istio.io/v1
                    kind: %s
                    metadata:
                      name: x
                      annotations: {gatewarden.io/defaults: "off"}
                    spec:
                      host: API.partner.com
                      hosts: [Shop.Example.com]
                      trafficPolicy: {tls: {mode: SIMPLE}}
                      servers:
                      - port: {number: 443, protocol: HTTPS}
                        hosts: [Shop.Example.com]
                        tls: {credentialName: shop-tls, minProtocolVersion: TLSV1_0}
                    """.formatted(kind));
            assertEquals(List.of(), changes(object), kind);
            ((ObjectNode) object.at("/metadata/annotations")).put("gatewarden.io/defaults", "on");
            assertFalse(changes(object).isEmpty(), kind);
        }
    }

    @Test
    void otherKindsAndGroupsAreNotTouched() throws Exception {
        for (String head : List.of("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway",
                "apiVersion: networking.istio.io/v1\nkind: ServiceEntry", "apiVersion: v1\nkind: Service")) {
            JsonNode object = yaml(head + """

                    metadata: {name: x}
                    spec:
                      hosts: [Shop.Example.com]
                      servers:
                      - port: {number: 443, protocol: HTTPS}
                        hosts: [Shop.Example.com]
                    """);
            assertEquals(List.of(), changes(object), head);
        }
    }

    // ------------------------------------------------------------------ the patch on raw JSON

    @Test
    void unknownFieldsSurviveUntouchedInTheirOrder() throws Exception {
        String raw = "{\"kind\":\"Gateway\",\"apiVersion\":\"networking.istio.io/v1alpha3\","
                + "\"metadata\":{\"name\":\"web\",\"namespace\":\"shop\",\"x-future\":{\"b\":1,\"a\":[3,2,1]}},"
                + "\"spec\":{\"zzz\":true,\"servers\":[{\"tls\":{\"futureTlsField\":{\"k\":\"v\"},"
                + "\"credentialName\":\"shop-tls\"},\"hosts\":[\"Shop.example.com\"],\"unknownServerField\":[null,1.5],"
                + "\"port\":{\"protocol\":\"HTTPS\",\"number\":443,\"weird/key~\":\"x\"}}],\"selector\":{\"istio\":\"ingressgateway\"}},"
                + "\"status\":{\"conditions\":[{\"type\":\"Reconciled\"}]}}";
        JsonNode object = JSON.readTree(raw);
        JsonNode before = object.deepCopy();
        List<Change> changes = changes(object);
        assertEquals(before, object, "the input is never modified");
        assertEquals(List.of("MUT904", "MUT905", "MUT901", "MUT903", "MUT907"), codes(changes));
        String expected = "{\"kind\":\"Gateway\",\"apiVersion\":\"networking.istio.io/v1alpha3\","
                + "\"metadata\":{\"name\":\"web\",\"namespace\":\"shop\",\"x-future\":{\"b\":1,\"a\":[3,2,1]},"
                + "\"annotations\":{\"gatewarden.io/defaulted\":\"MUT901,MUT903,MUT904,MUT905\"}},"
                + "\"spec\":{\"zzz\":true,\"servers\":[{\"tls\":{\"futureTlsField\":{\"k\":\"v\"},"
                + "\"credentialName\":\"shop-tls\",\"mode\":\"SIMPLE\",\"minProtocolVersion\":\"TLSV1_2\"},"
                + "\"hosts\":[\"shop.example.com\"],\"unknownServerField\":[null,1.5],"
                + "\"port\":{\"protocol\":\"HTTPS\",\"number\":443,\"weird/key~\":\"x\",\"name\":\"https-443\"}}],"
                + "\"selector\":{\"istio\":\"ingressgateway\"}},"
                + "\"status\":{\"conditions\":[{\"type\":\"Reconciled\"}]}}";
        assertEquals(expected, JSON.writeValueAsString(apply(object, changes)));
        // The patch holds only add/replace operations on the paths changed: nothing else is rewritten.
        for (JsonNode op : Defaulter.patch(changes)) {
            assertTrue(Set.of("add", "replace").contains(op.get("op").asText()), op.toString());
        }
        assertEquals(5, Defaulter.patch(changes).size());
    }

    @Test
    void aResourceNeedingNothingGetsNoChange() throws Exception {
        JsonNode gw = yaml(gateway("""
                - port: {number: 443, name: https, protocol: HTTPS}
                  hosts: [shop.example.com]
                  tls: {mode: SIMPLE, credentialName: shop-tls, minProtocolVersion: TLSV1_2}
                - port: {number: 80, name: http, protocol: HTTP}
                  hosts: [shop.example.com]
                  tls: {httpsRedirect: true}
                """));
        assertEquals(List.of(), changes(gw));
        assertEquals(List.of(), Defaulter.changes(gw, DefaultSettings.none()));
    }

    @Test
    void oddShapesNeverThrowAndAreLeftForValidation() throws Exception {
        List<String> specs = List.of("spec: 7", "spec: {servers: {a: 1}}", "spec: {servers: [7, null, \"x\", []]}",
                "spec: {servers: [{port: 443, hosts: 7, tls: \"x\"}]}",
                "spec: {servers: [{port: {number: [], protocol: 7, name: 9}, hosts: [{a: 1}], tls: {mode: 1, credentialName: x}}]}",
                "spec: {servers: [{port: {number: 443, protocol: HTTPS}, hosts: [a.example.com], tls: {mode: SIMPLE, credentialName: 5, minProtocolVersion: 1}}]}",
                "spec: {servers: [{port: {number: 99999, protocol: HTTPS}, hosts: [a.example.com]}]}");
        for (String spec : specs) {
            JsonNode gw = yaml("apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: odd}\n" + spec);
            List<Change> changes = changes(gw);
            JsonNode out = apply(gw, changes);
            assertEquals(List.of(), changes(out), spec);
        }
        JsonNode noMetadata = yaml("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: 5\nspec: {hosts: [A.com]}");
        assertEquals(List.of("MUT905"), codes(changes(noMetadata)));
        JsonNode badAnnotations = yaml("apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
                + "metadata: {name: x, annotations: [1]}\nspec: {hosts: [A.com]}");
        assertEquals(List.of("MUT905"), codes(changes(badAnnotations)));
        JsonNode drOdd = yaml("apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: x}\n"
                + "spec: {host: a.example.com, trafficPolicy: {tls: 5, portLevelSettings: [1, {tls: [1]}]}, subsets: [7, {trafficPolicy: 3}]}");
        assertEquals(List.of(), changes(drOdd));
    }

    @Test
    void fiveThousandServersAreLinear() throws Exception {
        StringBuilder servers = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            servers.append("- port: {number: ").append(1000 + i).append(", protocol: HTTPS}\n  hosts: [H")
                    .append(i).append(".example.com]\n");
        }
        JsonNode gw = yaml(gateway(servers.toString()));
        long start = System.nanoTime();
        List<Change> changes = changes(gw);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(4 * 5000 + 1, changes.size());
        assertTrue(ms < 2_000, ms + " ms");
        assertEquals(List.of(), changes(apply(gw, changes)));
    }

    // ------------------------------------------------------------------ the webhook answer

    static String review(String uid, String operation, boolean dryRun, JsonNode object) {
        return "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"" + uid
                + "\",\"kind\":{\"group\":\"networking.istio.io\",\"version\":\"v1\",\"kind\":\"Gateway\"},"
                + "\"operation\":\"" + operation + "\",\"namespace\":\"shop\",\"dryRun\":" + dryRun
                + (object == null ? "" : ",\"object\":" + object) + "}}";
    }

    static JsonNode answer(String body) throws Exception {
        return new Mutator(ON).mutate(ReviewRequest.parse(body.getBytes(StandardCharsets.UTF_8), JSON), JSON).review();
    }

    @Test
    void reviewAnswerCarriesTheBase64JsonPatchAndOneWarningPerDefault() throws Exception {
        JsonNode gw = yaml("""
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: web}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: 443, name: https, protocol: HTTPS}
                    hosts: [shop.example.com]
                """);
        JsonNode review = answer(review("u-1", "CREATE", false, gw));
        assertEquals("admission.k8s.io/v1", review.get("apiVersion").asText());
        JsonNode r = review.get("response");
        assertEquals("u-1", r.get("uid").asText());
        assertTrue(r.get("allowed").asBoolean());
        assertEquals("JSONPatch", r.get("patchType").asText());
        JsonNode patch = JSON.readTree(Base64.getDecoder().decode(r.get("patch").asText()));
        JsonNode stored = JsonPatch.apply(patch, gw);
        assertEquals("shop-web-https-tls", stored.at("/spec/servers/0/tls/credentialName").asText());
        List<String> warnings = new ArrayList<>();
        r.get("warnings").forEach(w -> warnings.add(w.asText()));
        assertEquals(3, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith("[MUT902] spec.servers[0].tls: added with mode SIMPLE"), warnings.get(0));
        assertTrue(warnings.get(1).startsWith("[MUT903] spec.servers[0].tls.minProtocolVersion: set to TLSV1_2"));
        assertTrue(warnings.get(2).startsWith("[MUT907] "));

        // Dry run: the same answer. Applied twice: nothing more.
        assertEquals(review, answer(review("u-1", "CREATE", true, gw)));
        JsonNode again = answer(review("u-2", "UPDATE", false, stored)).get("response");
        assertTrue(again.get("allowed").asBoolean());
        assertFalse(again.has("patch") || again.has("patchType") || again.has("warnings"), again.toString());
        JsonNode delete = answer(review("u-3", "DELETE", false, null)).get("response");
        assertEquals("{\"uid\":\"u-3\",\"allowed\":true}", delete.toString());
    }

    @Test
    void manyDefaultsAreSummarisedWithinTheWarningBudget() throws Exception {
        StringBuilder servers = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            servers.append("- port: {number: ").append(1000 + i).append(", protocol: HTTP}\n  hosts: [a.example.com]\n");
        }
        JsonNode r = answer(review("u", "CREATE", false, yaml(gateway(servers.toString())))).get("response");
        assertEquals(Verdict.MAX_WARNINGS + 1, r.get("warnings").size());
        assertTrue(r.get("warnings").get(Verdict.MAX_WARNINGS).asText().startsWith("19 more defaults applied"));
        int total = 0;
        for (JsonNode w : r.get("warnings")) {
            assertTrue(w.asText().length() <= WarningLine.MAX, w.asText());
            total += w.asText().length();
        }
        assertTrue(total < 4096, "kubectl drops warnings beyond 4 KiB: " + total);
    }

    @Test
    void defaultingTurnsADeniedHttpsGatewayIntoAnAdmittedOne() throws Exception {
        JsonNode gw = yaml("""
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: gw, namespace: default}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: 443, protocol: HTTPS}
                    hosts: [Shop.example.com]
                """);
        StaticClusterView view = new StaticClusterView(new ManifestReader("default").read(ValidatorTest.CLUSTER, "cluster"));
        Engine engine = new Engine(RuleSettings.defaults());
        Set<String> before = errors(engine.check(Resource.of(gw, "default", "t"), engine.facts(view)));
        assertEquals(Set.of("GW106", "GW201"), before);
        JsonNode stored = mutate(gw, ON);
        List<Diagnostic> after = engine.check(Resource.of(stored, "default", "t"), engine.facts(view));
        assertEquals(Set.of(), errors(after), after.toString());
        assertTrue(after.stream().anyMatch(d -> d.code() == Code.GW302 && d.severity() == Severity.INFO
                && d.message().contains("default-gw-https-443-tls")), after.toString());
    }

    static Set<String> errors(List<Diagnostic> findings) {
        return findings.stream().filter(d -> d.severity() == Severity.ERROR).map(d -> d.code().name())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    // ------------------------------------------------------------------ the golden corpus

    /**
     * mutate(mutate(x)) == mutate(x) for every Gateway, VirtualService and DestinationRule in the
     * corpus; and defaulting a case never adds an error finding that was not there before.
     */
    @Test
    void idempotentOverTheGoldenCorpusAndNeverAddsErrors() throws Exception {
        int objects = 0;
        int changed = 0;
        List<String> problems = new ArrayList<>();
        for (GoldenCorpus.Case c : GoldenCorpus.all()) {
            DefaultSettings settings = ON.withCredentialName(c.options().provisioning());
            List<Resource> mutated = new ArrayList<>();
            for (Resource r : c.resources()) {
                if (!MUTATED.contains(Kind.of(r))) {
                    mutated.add(r);
                    continue;
                }
                objects++;
                List<Change> first = Defaulter.changes(r.body(), r.namespace(), settings);
                JsonNode once = JsonPatch.apply(Defaulter.patch(first), r.body());
                List<Change> second = Defaulter.changes(once, r.namespace(), settings);
                JsonNode twice = JsonPatch.apply(Defaulter.patch(second), once);
                if (!second.isEmpty() || !twice.equals(once)) {
                    problems.add(c.name() + " " + r.ref() + ": second pass changed "
                            + second.stream().map(Change::warning).toList());
                }
                changed += first.isEmpty() ? 0 : 1;
                mutated.add(Resource.of(once, r.namespace(), r.origin()));
            }
            Engine engine = new Engine(c.options().settings());
            Set<String> before = errorKeys(Analysis.of(c.resources(), engine));
            Set<String> after = errorKeys(Analysis.of(mutated, engine));
            after.removeAll(before);
            if (!after.isEmpty()) {
                problems.add(c.name() + ": defaulting added errors " + after);
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertTrue(objects > 100, "the corpus has " + objects + " Gateways/VirtualServices/DestinationRules");
        assertTrue(changed > 10, changed + " objects were defaulted");
    }

    /** Every warning /mutate sends for a corpus object fits the API server's limit, and none is cut blindly. */
    @Test
    void everyDefaultWarningOverTheGoldenCorpusFits() throws Exception {
        int warnings = 0;
        for (GoldenCorpus.Case c : GoldenCorpus.all()) {
            Mutator mutator = new Mutator(ON.withCredentialName(c.options().provisioning()));
            for (Resource r : c.resources()) {
                if (!MUTATED.contains(Kind.of(r))) {
                    continue;
                }
                ReviewRequest request = new ReviewRequest("u", Kind.of(r).group(), "v1", r.kind(), "CREATE",
                        r.namespace(), r.body(), false);
                for (JsonNode w : mutator.mutate(request, JSON).review().path("response").path("warnings")) {
                    warnings++;
                    assertTrue(w.asText().length() <= WarningLine.MAX, c.name() + ": " + w.asText());
                    assertFalse(w.asText().endsWith(WarningLine.CUT), c.name() + ": " + w.asText());
                }
            }
        }
        assertTrue(warnings > 50, warnings + " warnings");
    }

    static final Set<Kind> MUTATED = Set.of(Kind.ISTIO_GATEWAY, Kind.VIRTUAL_SERVICE, Kind.DESTINATION_RULE);

    static Set<String> errorKeys(Analysis a) {
        return a.diagnostics().stream().filter(d -> d.severity() == Severity.ERROR)
                .map(d -> d.code() + " " + d.resourceRef()).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void patchOperationsAreWellFormed() throws Exception {
        JsonNode gw = yaml(gateway("""
                - port: {number: 443, protocol: HTTPS}
                  hosts: [Shop.example.com]
                """));
        ArrayNode patch = Defaulter.patch(changes(gw));
        for (JsonNode op : patch) {
            assertEquals(Set.of("op", "path", "value"), toSet(op));
            assertTrue(op.get("path").asText().startsWith("/"), op.toString());
        }
    }

    static Set<String> toSet(JsonNode object) {
        Set<String> keys = new TreeSet<>();
        object.fieldNames().forEachRemaining(keys::add);
        return keys;
    }
}
