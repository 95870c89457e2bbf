package io.gatewarden.rules;

import io.gatewarden.facts.RuleSettings;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.gatewarden.cluster.StaticClusterView;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.model.Resource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Edge cases of GatewayStructureRules (GW1xx) and ServerTlsRules (GW2xx) that are easier as unit
 * tests than as golden cases: size, wrong field types, the host grammar, and TLS corner cases.
 * Only these two families run, so the findings are theirs alone.
 */
class ServerRulesTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String HEADER = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata:
              name: gw
            spec:
              selector:
                istio: ingressgateway
            """;

    private static List<Diagnostic> check(ObjectNode body) {
        Resource gw = Resource.of(body, "default", "test");
        Engine engine = new Engine(RuleSettings.defaults(), List.of(new GatewayStructureRules(), new ServerTlsRules()));
        return engine.check(gw, engine.facts(new StaticClusterView(List.of(gw))));
    }

    private static List<Diagnostic> check(String yaml) throws Exception {
        return check((ObjectNode) YAML.readTree(yaml));
    }

    /** A Gateway with the given servers list (YAML, indented as under {@code servers:}). */
    private static List<Diagnostic> servers(String serversYaml) throws Exception {
        return check(HEADER + "  servers:\n" + serversYaml.indent(2));
    }

    /** Findings as "CODE field", in engine order. */
    private static List<String> keys(List<Diagnostic> ds) {
        return ds.stream().map(d -> d.code() + " " + d.field()).toList();
    }

    private static Map<Code, Long> counts(List<Diagnostic> ds) {
        return ds.stream().collect(Collectors.groupingBy(Diagnostic::code, TreeMap::new, Collectors.counting()));
    }

    private static final String HTTPS_OK = """
            - port: {number: 443, name: https, protocol: HTTPS}
              hosts: [myapp.example.com]
              tls: {mode: SIMPLE, credentialName: my-tls-secret}
            """;

    @Test
    void wellFormedGatewayIsSilent() throws Exception {
        assertEquals(List.of(), keys(servers(HTTPS_OK + """
                - port: {number: 80, name: http, protocol: HTTP}
                  hosts: ["*"]
                  tls: {httpsRedirect: true}
                """)));
    }

    // ---- size -------------------------------------------------------------------------------

    @Test
    void fiveThousandServersFinishFastWithExpectedCounts() {
        ObjectNode body = gatewayBody();
        ArrayNode servers = body.with("spec").putArray("servers");
        for (int i = 0; i < 5000; i++) {
            ObjectNode s = servers.addObject();
            s.putObject("port").put("number", 443).put("protocol", "HTTPS")
                    .put("name", i % 10 == 0 && i > 0 ? "https-0" : "https-" + i);   // 499 duplicates
            s.putArray("hosts").add(i % 7 == 0 ? "foo" : "h" + i + ".example.com");  // 715 bad hosts
            if (i % 13 != 0) {                                                       // 385 without tls
                s.putObject("tls").put("mode", "SIMPLE").put("credentialName", "cred-" + i);
            }
        }
        List<Diagnostic> ds = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> check(body));
        assertEquals(Map.of(Code.GW103, 715L, Code.GW107, 499L, Code.GW201, 385L), counts(ds));
        assertTrue(ds.stream().filter(d -> d.code() == Code.GW107)
                .allMatch(d -> d.message().contains("also used by spec.servers[0]")));
    }

    @Test
    void fiveThousandSameNamedServersWithTypeErrorsStayLinear() {
        ObjectNode body = gatewayBody();
        ArrayNode servers = body.with("spec").putArray("servers");
        for (int i = 0; i < 5000; i++) {
            ObjectNode s = servers.addObject();
            s.putObject("port").put("number", "eighty").put("protocol", "HTTP").put("name", "http");
            s.putArray("hosts").add("*");
        }
        List<Diagnostic> ds = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> check(body));
        assertEquals(Map.of(Code.GW104, 5000L, Code.GW107, 4999L), counts(ds));
    }

    private static ObjectNode gatewayBody() {
        ObjectNode body = YAML.createObjectNode();
        body.put("apiVersion", "networking.istio.io/v1").put("kind", "Gateway");
        body.putObject("metadata").put("name", "big");
        body.putObject("spec").putObject("selector").put("istio", "ingressgateway");
        return body;
    }

    // ---- wrong field types: one finding under the field's code, never an exception ----------

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', quoteCharacter = '`', value = {
            "number: eighty        ; {port: {number: \"eighty\", name: http, protocol: HTTP}, hosts: ['*']}       ; GW104 spec.servers[0].port.number",
            "number: 80.5          ; {port: {number: 80.5, name: http, protocol: HTTP}, hosts: ['*']}            ; GW104 spec.servers[0].port.number",
            "hosts: 7              ; {port: {number: 80, name: http, protocol: HTTP}, hosts: 7}                  ; GW102 spec.servers[0].hosts",
            "hosts: [7]            ; {port: {number: 80, name: http, protocol: HTTP}, hosts: [7]}                ; GW102 spec.servers[0].hosts[0]",
            "port: 443             ; {port: 443, hosts: ['*']}                                                   ; GW104 spec.servers[0].port",
            "protocol: 5           ; {port: {number: 80, name: http, protocol: 5}, hosts: ['*']}                 ; GW105 spec.servers[0].port.protocol",
            "name: [a]             ; {port: {number: 80, name: [a], protocol: HTTP}, hosts: ['*']}               ; GW106 spec.servers[0].port.name",
            "bind: 1               ; {port: {number: 80, name: http, protocol: HTTP}, hosts: ['*'], bind: 1}     ; GW104 spec.servers[0].bind",
            "server: 5             ; 5                                                                           ; GW101 spec.servers[0]",
            "server: null          ; null                                                                        ; GW101 spec.servers[0]",
            "tls: yes              ; {port: {number: 443, name: https, protocol: HTTPS}, hosts: ['*'], tls: yes} ; GW201 spec.servers[0].tls",
            "cipherSuites: x       ; {port: {number: 443, name: https, protocol: HTTPS}, hosts: [myapp.example.com], tls: {mode: SIMPLE, credentialName: c, cipherSuites: x}} ; GW213 spec.servers[0].tls.cipherSuites",
            "httpsRedirect: maybe  ; {port: {number: 80, name: http, protocol: HTTP}, hosts: ['*'], tls: {httpsRedirect: maybe}} ; GW214 spec.servers[0].tls.httpsRedirect",
            "credentialName: 42    ; {port: {number: 443, name: https, protocol: HTTPS}, hosts: [myapp.example.com], tls: {mode: SIMPLE, credentialName: 42, privateKey: k, serverCertificate: c}} ; GW302 spec.servers[0].tls.credentialName",
            "quoted port '443'     ; {port: {number: '443', name: https, protocol: HTTPS}, hosts: [myapp.example.com], tls: {mode: SIMPLE, credentialName: c}} ; GW104 spec.servers[0].port.number",
    })
    void wrongTypesGiveOneFindingNotAnException(String title, String server, String expected) throws Exception {
        assertEquals(List.of(expected), keys(servers("- " + server)), title);
    }

    @Test
    void serversThatAreNotAListOrMissingGiveOneGw101() throws Exception {
        assertEquals(List.of("GW101 spec.servers"), keys(check(HEADER + "  servers: \"all\"\n")));
        assertEquals(List.of("GW101 spec.servers"), keys(check(HEADER + "  servers: []\n")));
        assertEquals(List.of("GW101 spec.servers"), keys(check(HEADER)));
        assertEquals(List.of("GW101 spec.servers"), keys(check("""
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: gw}
                spec: 5
                """)));
    }

    // ---- GW103 host grammar ------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"*", "*.example.com", "ns/foo.example.com", "./foo.example.com", "*/foo.example.com",
            "ns/*", "FOO.Example.com", "foo.example.com."})
    void validHosts(String host) throws Exception {
        assertEquals(List.of(), keys(servers(httpServer(host))), host);
    }

    @ParameterizedTest
    @ValueSource(strings = {"foo", "*foo.com", "foo.*.com", "/foo.com", "ns/", "Bad_NS/foo.com", "a..b.com", "",
            "a/b/c.com", "-a.example.com", "*.", "foo.example.com*"})
    void invalidHosts(String host) throws Exception {
        assertEquals(List.of("GW103 spec.servers[0].hosts[0]"), keys(servers(httpServer(host))), host);
    }

    @Test
    void hostLongerThan255IsInvalidAndItsMessageIsCut() throws Exception {
        String label = "a".repeat(63);
        String name = String.join(".", label, label, label, "b".repeat(60)) + ".com"; // 256 characters
        assertEquals(256, name.length());
        List<Diagnostic> ds = servers(httpServer(name));
        assertEquals(List.of("GW103 spec.servers[0].hosts[0]"), keys(ds));
        assertTrue(ds.get(0).message().contains("longer than 255"), ds.get(0).message());
        assertTrue(ds.get(0).message().length() < 300, "the 256-character host is cut in the message");
        String atLimit = name.substring(0, 251) + ".com";                                  // 255 characters
        assertEquals(List.of(), keys(servers(httpServer(atLimit))));
    }

    private static String httpServer(String host) {
        return "- {port: {number: 80, name: http, protocol: HTTP}, hosts: ['" + host + "']}";
    }

    // ---- ports, names, protocol ----------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', quoteCharacter = '`', value = {
            "port 0 on a unix socket     ; {port: {number: 0, name: uds, protocol: HTTP}, hosts: ['*'], bind: 'unix:///var/run/gw.sock'} ;",
            "port 0 without unix bind    ; {port: {number: 0, name: http, protocol: HTTP}, hosts: ['*'], bind: 0.0.0.0}     ; GW104 spec.servers[0].port.number",
            "port 65536                  ; {port: {number: 65536, name: http, protocol: HTTP}, hosts: ['*']}                ; GW104 spec.servers[0].port.number",
            "port -1                     ; {port: {number: -1, name: http, protocol: HTTP}, hosts: ['*']}                   ; GW104 spec.servers[0].port.number",
            "port without number         ; {port: {name: http, protocol: HTTP}, hosts: ['*']}                               ; GW104 spec.servers[0].port.number",
            "no port: nothing else       ; {hosts: ['*']}                                                                   ; GW104 spec.servers[0].port",
            "lower-case protocol         ; {port: {number: 80, name: http, protocol: grpc-web}, hosts: ['*']}               ;",
            "unknown protocol            ; {port: {number: 80, name: http, protocol: UDP}, hosts: ['*']}                    ; GW105 spec.servers[0].port.protocol",
            "missing protocol            ; {port: {number: 80, name: http}, hosts: ['*']}                                   ; GW105 spec.servers[0].port.protocol",
            "empty name                  ; {port: {number: 80, name: '', protocol: HTTP}, hosts: ['*']}                     ; GW106 spec.servers[0].port.name",
            "targetPort                  ; {port: {number: 80, name: http, protocol: HTTP, targetPort: 8080}, hosts: ['*']} ; GW108 spec.servers[0].port.targetPort",
            "empty hosts                 ; {port: {number: 80, name: http, protocol: HTTP}, hosts: []}                      ; GW102 spec.servers[0].hosts",
            "unknown protocol, tls set   ; {port: {number: 443, name: x, protocol: QUIC}, hosts: ['*'], tls: {httpsRedirect: true, mode: AUTO_PASSTHROUGH}} ; GW105 spec.servers[0].port.protocol",
    })
    void portsAndHosts(String title, String server, String expected) throws Exception {
        assertEquals(expected == null ? List.of() : List.of(expected), keys(servers("- " + server)), title);
    }

    @Test
    void duplicatePortNamesPointAtTheFirstUser() throws Exception {
        List<Diagnostic> ds = servers(HTTPS_OK + """
                - {port: {number: 80, name: http, protocol: HTTP}, hosts: ['*']}
                - {port: {number: 8443, name: https, protocol: HTTPS}, hosts: [myapp.example.com], tls: {mode: SIMPLE, credentialName: c}}
                - {port: {number: 81, name: http, protocol: HTTP}, hosts: ['*']}
                """);
        assertEquals(List.of("GW107 spec.servers[2].port.name", "GW107 spec.servers[3].port.name"), keys(ds));
        assertEquals("port name \"https\" is also used by spec.servers[0]; give each server a unique port.name",
                ds.get(0).message());
    }

    @ParameterizedTest
    @ValueSource(strings = {"My_Gateway", "gw.example", "-gw", "UPPER", "a23456789012345678901234567890123456789012345678901234567890abcd"})
    void gatewayNameMustBeADns1123Label(String name) throws Exception {
        List<Diagnostic> ds = check(HEADER.replace("name: gw", "name: \"" + name + "\"") + "  servers:\n" + HTTPS_OK.indent(2));
        assertEquals(List.of("GW109 metadata.name"), keys(ds), name);
    }

    // ---- TLS corner cases ---------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', quoteCharacter = '`', value = {
            // GW202 exemptions on plain HTTP ports, and what still fires there
            "redirect-only, any mode        ; HTTP  ; {httpsRedirect: true, mode: SIMPLE}                          ;",
            "passthrough, no certificates   ; HTTP2 ; {mode: PASSTHROUGH}                                          ;",
            "empty tls block on HTTP        ; GRPC  ; {}                                                           ;",
            "redirect with a certificate    ; HTTP  ; {httpsRedirect: true, credentialName: c}                     ; GW202 spec.servers[0].tls",
            "SIMPLE on HTTP                 ; HTTP  ; {mode: SIMPLE}                                               ; GW202 spec.servers[0].tls",
            "GW202 hides content findings   ; HTTP  ; {mode: MUTUAL, serverCertificate: /a, privateKey: /b, credentialName: c} ; GW202 spec.servers[0].tls",
            "AUTO_PASSTHROUGH on HTTP       ; HTTP  ; {mode: AUTO_PASSTHROUGH}                                     ; GW210 spec.servers[0].tls.mode",
            "empty tls block on TCP         ; TCP   ; {}                                                           ; GW203 spec.servers[0].tls",
            // certificates and modes
            "mode unset on TLS              ; TLS   ; {credentialName: c}                                          ; GW204 spec.servers[0].tls.mode",
            "mode unset, no certificate     ; TLS   ; {}                                                           ;",
            "lower-case mode                ; HTTPS ; {mode: simple, credentialName: c}                            ;",
            "SIMPLE without certificate     ; HTTPS ; {mode: SIMPLE}                                               ; GW205 spec.servers[0].tls",
            "only serverCertificate         ; HTTPS ; {mode: SIMPLE, serverCertificate: /etc/c.pem}                ; GW205 spec.servers[0].tls.privateKey",
            "file pair                      ; HTTPS ; {mode: SIMPLE, serverCertificate: /c, privateKey: /k}        ;",
            "two sources                    ; HTTPS ; {mode: SIMPLE, credentialName: c, serverCertificate: /c, privateKey: /k} ; GW206 spec.servers[0].tls",
            "MUTUAL files without CA        ; HTTPS ; {mode: MUTUAL, serverCertificate: /c, privateKey: /k}        ; GW207 spec.servers[0].tls.caCertificates",
            "MUTUAL credentialName          ; HTTPS ; {mode: MUTUAL, credentialName: c}                            ;",
            "ISTIO_MUTUAL with SANs         ; HTTPS ; {mode: ISTIO_MUTUAL, subjectAltNames: [a]}                   ; GW208 spec.servers[0].tls.subjectAltNames",
            "AUTO_PASSTHROUGH with cert     ; TLS   ; {mode: AUTO_PASSTHROUGH, credentialName: c}                  ; GW209 spec.servers[0].tls.credentialName",
            "AUTO_PASSTHROUGH on HTTPS      ; HTTPS ; {mode: AUTO_PASSTHROUGH}                                     ; GW210 spec.servers[0].tls.mode",
            // versions and cipher suites
            "TLS_AUTO is not compared       ; HTTPS ; {mode: SIMPLE, credentialName: c, minProtocolVersion: TLSV1_3, maxProtocolVersion: TLS_AUTO} ;",
            "unknown version not compared   ; HTTPS ; {mode: SIMPLE, credentialName: c, minProtocolVersion: TLSV1_3, maxProtocolVersion: TLSV9} ;",
            "min equals max                 ; HTTPS ; {mode: SIMPLE, credentialName: c, minProtocolVersion: TLSV1_2, maxProtocolVersion: TLSV1_2} ;",
            "min above max                  ; HTTPS ; {mode: SIMPLE, credentialName: c, minProtocolVersion: TLSV1_3, maxProtocolVersion: TLSV1_2} ; GW211 spec.servers[0].tls.minProtocolVersion",
            "TLSV1_1 with cipherSuites      ; HTTPS ; {mode: SIMPLE, credentialName: c, minProtocolVersion: TLSV1_1, cipherSuites: [ECDHE-RSA-AES128-GCM-SHA256]} ;",
            "group members are checked      ; HTTPS ; {mode: SIMPLE, credentialName: c, cipherSuites: ['[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]', AES128-SHA]} ;",
            "unknown member of a group      ; HTTPS ; {mode: SIMPLE, credentialName: c, cipherSuites: ['[ECDHE-ECDSA-AES128-GCM-SHA256|RC4-MD5]']} ; GW213 spec.servers[0].tls.cipherSuites[0]",
            "duplicate across a group       ; HTTPS ; {mode: SIMPLE, credentialName: c, cipherSuites: [AES128-SHA, '[AES256-SHA|AES128-SHA]']} ; GW213 spec.servers[0].tls.cipherSuites[1]",
            "empty suite                    ; HTTPS ; {mode: SIMPLE, credentialName: c, cipherSuites: ['']}        ; GW213 spec.servers[0].tls.cipherSuites[0]",
            "httpsRedirect on HTTPS         ; HTTPS ; {mode: SIMPLE, credentialName: c, httpsRedirect: true}       ; GW214 spec.servers[0].tls.httpsRedirect",
            "caCrl with MUTUAL files        ; HTTPS ; {mode: MUTUAL, serverCertificate: /c, privateKey: /k, caCertificates: /ca, caCrl: /crl} ;",
            "caCrl with SIMPLE and cred     ; HTTPS ; {mode: SIMPLE, credentialName: c, caCrl: /crl}               ; GW215 spec.servers[0].tls.caCrl",
            "two credentialNames            ; HTTPS ; {mode: SIMPLE, credentialNames: [a, b]}                      ;",
            "three credentialNames          ; HTTPS ; {mode: SIMPLE, credentialNames: [a, b, c]}                   ; GW216 spec.servers[0].tls.credentialNames",
    })
    void tlsCornerCases(String title, String protocol, String tls, String expected) throws Exception {
        String host = protocol.equals("HTTPS") ? "myapp.example.com" : "'*'";
        String server = "- {port: {number: 8000, name: p, protocol: " + protocol + "}, hosts: [" + host + "], tls: " + tls + "}";
        assertEquals(expected == null ? List.of() : List.of(expected), keys(servers(server)), title);
    }

    @Test
    void cipherFindingsArePerSuite() throws Exception {
        List<Diagnostic> ds = servers("""
                - port: {number: 443, name: https, protocol: HTTPS}
                  hosts: [myapp.example.com]
                  tls:
                    mode: SIMPLE
                    credentialName: c
                    cipherSuites: [AES128-SHA, AES128-SHA, TLS_AES_128_GCM_SHA256, '[AES128-SHA|BOGUS]']
                """);
        assertEquals(List.of("GW213 spec.servers[0].tls.cipherSuites[1]", "GW213 spec.servers[0].tls.cipherSuites[2]",
                "GW213 spec.servers[0].tls.cipherSuites[3]", "GW213 spec.servers[0].tls.cipherSuites[3]"), keys(ds));
        assertTrue(ds.get(0).message().contains("already listed at cipherSuites[0]"), ds.get(0).message());
        assertTrue(ds.get(1).message().contains("\"TLS_AES_128_GCM_SHA256\" is not one Istio supports"));
    }

    @Test
    void shapeErrorsAreEmittedOnceAcrossBothFamilies() throws Exception {
        List<Diagnostic> ds = servers("""
                - port: {number: 443, name: https, protocol: HTTPS}
                  hosts: [myapp.example.com]
                  tls: {mode: SIMPLE, credentialName: c, credentialNames: 7, minProtocolVersion: 12}
                """);
        assertEquals(List.of("GW302 spec.servers[0].tls.credentialNames", "GW211 spec.servers[0].tls.minProtocolVersion"),
                keys(ds));
        assertFalse(ds.stream().anyMatch(d -> d.message().isBlank()));
    }

    @Test
    void messagesNameTheValueAndTheFix() throws Exception {
        List<Diagnostic> ds = servers("""
                - port: {number: 443, name: https, protocol: HTTPS}
                  hosts: [foo]
                  tls: {mode: MUTUAL, serverCertificate: /c, privateKey: /k}
                """);
        assertEquals(List.of("GW103 spec.servers[0].hosts[0]", "GW207 spec.servers[0].tls.caCertificates"), keys(ds));
        assertTrue(ds.get(0).message().startsWith("host \"foo\" is invalid (short name"), ds.get(0).message());
        assertEquals("tls.mode is MUTUAL but caCertificates is empty: set caCertificates to the CA bundle that signs "
                + "client certificates, or use credentialName with a <name>-cacert secret", ds.get(1).message());
    }
}
