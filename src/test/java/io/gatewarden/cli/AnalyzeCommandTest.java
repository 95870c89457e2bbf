package io.gatewarden.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The analyze command's contract from shared/spec/interfaces.md: formats, exit codes, inputs. */
class AnalyzeCommandTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = AnalyzeCommand.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static final String GATEWAY = """
            apiVersion: networking.istio.io/v1alpha3
            kind: Gateway
            metadata:
              name: gw
            spec:
              selector: {istio: ingressgateway}
              servers:
              - port: {number: 443, name: https, protocol: HTTPS}
                hosts: [shop.example.com]
                tls: {mode: SIMPLE, credentialName: shop-tls}
            """;
    static final String WORKLOAD = """
            apiVersion: v1
            kind: Pod
            metadata: {name: ingress-1, namespace: istio-system, labels: {istio: ingressgateway}}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: ingress, namespace: istio-system}
            spec:
              selector: {istio: ingressgateway}
              ports: [{name: https, port: 443, targetPort: 8443}]
            """;

    @Test
    void missingSecretIsInfoWithPlanAndExitZero() throws Exception {
        Files.writeString(dir.resolve("all.yaml"), GATEWAY + "---\n" + WORKLOAD);
        Run r = run("-f", dir.toString(), "-o", "json");
        assertEquals(0, r.exit(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        JsonNode d = json.get("diagnostics").get(0);
        assertEquals("GW302", d.get("code").asText());
        assertEquals("info", d.get("severity").asText());
        assertEquals("Gateway", d.get("kind").asText());
        assertEquals("default", d.get("namespace").asText());
        assertEquals("gw", d.get("name").asText());
        assertEquals("spec.servers[0].tls.credentialName", d.get("field").asText());
        JsonNode p = json.get("plan").get(0);
        assertEquals("create-secret", p.get("action").asText());
        assertEquals("istio-system", p.get("namespace").asText());
        assertEquals("shop-tls", p.get("name").asText());
        assertEquals("shop.example.com", p.get("dnsNames").get(0).asText());
        assertEquals("Gateway/default/gw", p.get("for").asText());
    }

    @Test
    void noProvisionMakesMissingSecretAnErrorAndExitOne() throws Exception {
        Files.writeString(dir.resolve("all.yaml"), GATEWAY + "---\n" + WORKLOAD);
        Run r = run("-f", dir.toString(), "--no-provision");
        assertEquals(1, r.exit());
        assertTrue(r.out().startsWith("ERROR GW302 Gateway/default/gw spec.servers[0].tls.credentialName: "), r.out());
        assertTrue(!r.out().contains("PLAN"), r.out());
    }

    @Test
    void namespaceFlagAppliesToResourcesWithoutOne() throws Exception {
        Files.writeString(dir.resolve("all.yaml"), GATEWAY + "---\n" + WORKLOAD);
        Run r = run("-f", dir.toString(), "--namespace", "shop");
        assertTrue(r.out().contains("Gateway/shop/gw"), r.out());
    }

    @Test
    void kindListAndJsonFilesInNestedDirectoriesAreRead() throws Exception {
        Path nested = Files.createDirectories(dir.resolve("a/b"));
        String list = "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[" + new ObjectMapper().writeValueAsString(
                new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(GATEWAY)) + "]}";
        Files.writeString(nested.resolve("list.json"), list);
        Files.writeString(dir.resolve("workload.yml"), WORKLOAD);
        Files.writeString(dir.resolve("notes.txt"), "not a manifest: ignored");
        Run r = run("-f", dir.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("INFO GW302 Gateway/default/gw"), r.out());
    }

    @Test
    void unknownKindsAreIgnored() throws Exception {
        Files.writeString(dir.resolve("x.yaml"), "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n");
        Run r = run("-f", dir.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.out());
    }

    @Test
    void unparsableYamlExitsTwoWithFileAndLine() throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n");
        Run r = run("-f", f.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains(f + ":"), r.err());
        assertTrue(r.err().matches("(?s).*bad\\.yaml:\\d+: not valid YAML.*"), r.err());
    }

    /** Nesting past Jackson's depth limit, in each syntax the reader takes: exit 2 naming the file, never a crash. */
    @Test
    void deeplyNestedManifestsExitTwoWithTheLimit() throws Exception {
        StringBuilder block = new StringBuilder("apiVersion: v1\nkind: ConfigMap\ndata:\n");
        for (int i = 1; i <= 2_000; i++) {
            block.append("  ".repeat(i)).append("k:\n");
        }
        Map<String, String> files = Map.of(
                "flow-arrays.yaml", "apiVersion: v1\nkind: ConfigMap\ndata: " + "[".repeat(10_000) + "]".repeat(10_000),
                "flow-objects.yaml", "apiVersion: v1\nkind: ConfigMap\ndata: " + "{a: ".repeat(10_000) + "1" + "}".repeat(10_000),
                "arrays.json", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"data\":" + "[".repeat(10_000)
                        + "]".repeat(10_000) + "}",
                "block.yaml", block.toString());
        for (Map.Entry<String, String> e : files.entrySet()) {
            Path f = dir.resolve(e.getKey());
            Files.writeString(f, e.getValue());
            Run r = run("-f", f.toString());
            assertEquals(2, r.exit(), e.getKey() + ": " + r.err());
            assertTrue(r.err().contains(f + ": exceeds a parsing limit: Document nesting depth"), r.err());
            Files.delete(f);
        }
    }

    @Test
    void badUsageExitsTwo() {
        assertEquals(2, run().exit());
        assertEquals(2, run("-f").exit());
        assertEquals(2, run("-f", "x", "-o", "xml").exit());
        assertEquals(2, run("--bogus").exit());
        Run missing = run("-f", dir.resolve("nope").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("no such file"), missing.err());
    }

    @Test
    void scalarDocumentIsAnInputError() throws Exception {
        Files.writeString(dir.resolve("s.yaml"), "just a string\n");
        assertEquals(2, run("-f", dir.toString()).exit());
    }

    @Test
    void policyFileAppliesItsKeysAsAYamlMapOrAConfigMap() throws Exception {
        Path manifests = dir.resolve("m");
        Files.createDirectories(manifests);
        Files.writeString(manifests.resolve("all.yaml"), GATEWAY + "---\n" + WORKLOAD);
        assertEquals(0, run("-f", manifests.toString()).exit(), "no policy: the Gateway passes");

        Path map = dir.resolve("policy.yaml");
        Files.writeString(map, "tls-min-version: TLSV1_3\n");
        Run r = run("-f", manifests.toString(), "-p", map.toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("ERROR POL802 Gateway/default/gw spec.servers[0].tls.minProtocolVersion"), r.out());

        Path cm = dir.resolve("policy-cm.yaml");
        Files.writeString(cm, """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: anything, namespace: anywhere}
                data:
                  deny-wildcard-https-hosts: "true"
                  tls-min-version: TLSV1_3
                """);
        r = run("-f", manifests.toString(), "--policy", cm.toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("POL802"), r.out());
    }

    @Test
    void aMalformedPolicyExitsTwoNamingTheKey() throws Exception {
        Files.writeString(dir.resolve("all.yaml"), GATEWAY + "---\n" + WORKLOAD);
        Path bad = Files.writeString(dir.resolve("..policy-bad"), "host-ownership: first-come\n");
        Run r = run("-f", dir.resolve("all.yaml").toString(), "-p", bad.toString());
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("policy file " + bad + ": key host-ownership: \"first-come\" is not off, map or first-claim"),
                r.err());

        Path inCluster = dir.resolve("cm.yaml");
        Files.writeString(inCluster, """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: gatewarden-policy, namespace: gatewarden}
                data: {credential-ownership: "yes"}
                """);
        r = run("-f", dir.resolve("all.yaml").toString(), "-f", inCluster.toString());
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("ConfigMap gatewarden/gatewarden-policy: key credential-ownership: \"yes\" is not true or false"),
                r.err());

        r = run("-f", dir.resolve("all.yaml").toString(), "-p", dir.resolve("absent.yaml").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("cannot read policy file"), r.err());
    }
}
