package io.gatewarden.rules;

import io.gatewarden.facts.RuleSettings;
import io.gatewarden.facts.Facts;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.gatewarden.cluster.ClusterView;
import io.gatewarden.cluster.SecretData;
import io.gatewarden.cluster.ServiceInfo;
import io.gatewarden.cluster.StaticClusterView;
import io.gatewarden.cluster.Workload;
import io.gatewarden.demands.Plan;
import io.gatewarden.demands.PlanEntry;
import io.gatewarden.diagnostics.ObjectRef;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.diagnostics.Severity;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GW301–GW313 where golden files fall short: scale (one secret named by thousands of servers is
 * inspected once) and secrecy (no message ever carries certificate or key material).
 */
class CredentialRulesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path CERTS = Path.of("certs-test");
    private static final int SERVERS = 5_000;
    private static final int WINDOW = 24;

    /** The ingress Deployment and its Service in istio-system (443 exposed). */
    private static final String INGRESS = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: istio-ingressgateway, namespace: istio-system}
            spec:
              template:
                metadata:
                  labels: {istio: ingressgateway}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: istio-ingressgateway, namespace: istio-system}
            spec:
              selector: {istio: ingressgateway}
              ports:
              - {name: https, port: 443, targetPort: 8443}
            """;

    // ---------------------------------------------------------------- scale

    @Test
    void fiveThousandServersNamingOneSecretInspectItOnce() throws Exception {
        // expired.crt covers myapp.example.com only: every server gets GW306 (the secret) and GW308 (its host).
        CountingView view = new CountingView(resources(manyServers(SERVERS, "shared-tls", "SIMPLE"),
                secretYaml("shared-tls", file("expired.crt"), file("expired.key"), Map.of())));
        Engine engine = new Engine(RuleSettings.defaults());
        List<Diagnostic> found = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> engine.checkAll(engine.facts(view)));

        assertEquals(SERVERS, count(found, Code.GW306, Severity.ERROR), summary(found));
        assertEquals(SERVERS, count(found, Code.GW308, Severity.WARNING), summary(found));
        assertEquals(2 * SERVERS, found.stream().filter(d -> d.code().name().startsWith("GW3")).count(), summary(found));
        Set<String> fields = new TreeSet<>();
        found.stream().filter(d -> d.code() == Code.GW306).forEach(d -> fields.add(d.field()));
        assertEquals(SERVERS, fields.size(), "one GW306 per server, each on its own field");
        assertTrue(fields.contains("spec.servers[4999].tls.credentialName"), fields.iterator().next());
        // One inspection reads a handful of keys; one per server would read tens of thousands.
        assertTrue(view.secretReads.get() < 20, "secret data read " + view.secretReads.get() + " times");
    }

    @Test
    void fiveThousandServersNamingOneMissingSecretPlanItOnce() throws Exception {
        CountingView view = new CountingView(resources(manyServers(SERVERS, "shared-tls", "MUTUAL")));
        Engine engine = new Engine(RuleSettings.defaults());
        Facts facts = engine.facts(view);
        List<Diagnostic> found = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> engine.checkAll(facts));
        List<PlanEntry> plan = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> Plan.of(facts, io.gatewarden.demands.RenewalPolicy.defaults().offline(facts.settings().clock(),
                facts.stored(io.gatewarden.facts.SecretAssessments.DERIVATION))));

        assertEquals(SERVERS, count(found, Code.GW302, Severity.INFO), summary(found));
        assertEquals(SERVERS, found.stream().filter(d -> d.code().name().startsWith("GW3")).count(), summary(found));
        assertEquals(1, plan.size(), plan.toString());
        PlanEntry entry = plan.get(0);
        assertEquals("istio-system/shared-tls", entry.namespace() + "/" + entry.name());
        assertEquals(SERVERS, entry.dnsNames().size());
        assertEquals(List.of(new ObjectRef("networking.istio.io", "Gateway", "default", "big")), entry.forResources());
    }

    @Test
    void fiveThousandServersWithAGoodSecretAreSilent() throws Exception {
        CountingView view = new CountingView(resources(manyServers(SERVERS, "shared-tls", "SIMPLE"),
                secretYaml("shared-tls", file("wildcard.crt"), file("wildcard.key"), Map.of())));
        Engine engine = new Engine(RuleSettings.defaults());
        List<Diagnostic> found = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> engine.checkAll(engine.facts(view)));
        assertEquals(0, found.stream().filter(d -> d.code().name().startsWith("GW3")).count(), summary(found));
        assertTrue(view.secretReads.get() < 20, "secret data read " + view.secretReads.get() + " times");
    }

    // ---------------------------------------------------------------- secrecy

    @Test
    void noMessageCarriesCertificateOrKeyMaterial() throws Exception {
        List<String[]> variants = new ArrayList<>(); // {crt, key}
        List<Path> crts;
        List<Path> keys;
        try (Stream<Path> s = Files.list(CERTS)) {
            List<Path> all = s.sorted().toList();
            crts = all.stream().filter(p -> p.toString().endsWith(".crt")).toList();
            keys = all.stream().filter(p -> p.toString().endsWith(".key")).toList();
        }
        for (Path crt : crts) {
            String base = crt.getFileName().toString().replace(".crt", "");
            Path own = CERTS.resolve(base + ".key");
            String c = Files.readString(crt);
            variants.add(new String[] {c, Files.exists(own) ? Files.readString(own) : file("valid.key")});
            variants.add(new String[] {c, file("mismatch.key")});
            variants.add(new String[] {c + file("valid.key"), file("valid.key") + c});
        }
        for (Path key : keys) {
            String k = Files.readString(key);
            variants.add(new String[] {k, file("valid.crt")});               // key where the certificate belongs
            variants.add(new String[] {file("valid.crt"), k});
            variants.add(new String[] {file("valid.crt"), corrupt(k)});
            variants.add(new String[] {file("valid.crt"), k.substring(0, k.length() / 2)});
            variants.add(new String[] {relabel(k, "CERTIFICATE"), k});        // key bytes parsed as a certificate
            variants.add(new String[] {file("valid.crt"), relabel(k, "RSA PRIVATE KEY")});
            variants.add(new String[] {file("valid.crt"), relabel(k, "EC PRIVATE KEY")});
            variants.add(new String[] {file("valid.crt"), relabel(k, "ENCRYPTED PRIVATE KEY")});
            variants.add(new String[] {file("valid.crt"), new String(der(k), StandardCharsets.ISO_8859_1)});
        }
        variants.add(new String[] {corrupt(file("valid-chain.crt")), file("valid-chain.key")});
        variants.add(new String[] {file("valid.crt").substring(0, 300), file("valid.key")});
        variants.add(new String[] {relabel(file("valid.crt"), "PRIVATE KEY"), relabel(file("valid.crt"), "PRIVATE KEY")});

        // One Gateway, one server per variant; every other variant is MUTUAL, every third managed.
        StringBuilder servers = new StringBuilder();
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < variants.size(); i++) {
            String mode = i % 2 == 0 ? "SIMPLE" : "MUTUAL";
            servers.append("  - port: {number: 443, name: https-").append(i).append(", protocol: HTTPS}\n")
                    .append("    hosts: [h").append(i).append(".example.com]\n")
                    .append("    tls: {mode: ").append(mode).append(", credentialName: s").append(i).append("}\n");
            docs.add(secretYaml("s" + i, variants.get(i)[0], variants.get(i)[1],
                    i % 3 == 0 ? Map.of("gatewarden.io/managed", "true") : Map.of()));
        }
        docs.add("""
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: leaky, namespace: default}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                """ + servers);

        List<String> secrets = new ArrayList<>();
        for (Path p : Stream.concat(crts.stream(), keys.stream()).toList()) {
            String text = Files.readString(p);
            secrets.add(Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII)));
            if (text.contains("-----BEGIN")) {
                secrets.add(Base64.getEncoder().encodeToString(der(text)));
                secrets.add(body(text).replace("\n", ""));
            }
        }
        Set<String> windows = new HashSet<>();
        for (String secret : secrets) {
            for (int at = 0; at + WINDOW <= secret.length(); at++) {
                windows.add(secret.substring(at, at + WINDOW));
            }
        }
        for (boolean provisioning : new boolean[] {true, false}) {
            for (Instant now : new Instant[] {Instant.parse("2030-01-01T00:00:00Z"), Instant.parse("2119-12-25T00:00:00Z")}) {
                Engine engine = new Engine(RuleSettings.defaults().withProvisioning(provisioning)
                        .withClock(Clock.fixed(now, ZoneOffset.UTC)));
                List<Diagnostic> found = engine.checkAll(engine.facts(new StaticClusterView(resources(docs.toArray(String[]::new)))));
                long credentialFindings = found.stream().filter(d -> d.code().name().startsWith("GW3")).count();
                assertTrue(credentialFindings >= variants.size() / 2, "expected findings for most variants: " + summary(found));
                for (Diagnostic d : found) {
                    String m = d.message();
                    assertFalse(m.contains("BEGIN"), "PEM block start in message: " + m);
                    // any 24 consecutive characters of a base64 encoding would be a leak
                    for (int at = 0; at + WINDOW <= m.length(); at++) {
                        assertFalse(windows.contains(m.substring(at, at + WINDOW)),
                                "key or certificate bytes in message: " + m);
                    }
                    assertTrue(!d.code().name().startsWith("GW3") || m.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f),
                            "non-printable (binary) characters in message: " + m);
                }
            }
        }
    }

    @Test
    void managedSecretsSayTheyWillBeReissuedInsteadOfAskingForAFix() throws Exception {
        Engine engine = new Engine(RuleSettings.defaults());
        List<Diagnostic> found = engine.checkAll(engine.facts(new StaticClusterView(resources(
                manyServers(1, "managed-tls", "MUTUAL"),
                secretYaml("managed-tls", file("expired.crt"), file("mismatch.key"), Map.of("gatewarden.io/managed", "true"))))));
        List<Diagnostic> credential = found.stream().filter(d -> d.code().name().startsWith("GW3")).toList();
        assertEquals(Set.of(Code.GW306, Code.GW307, Code.GW308, Code.GW310),
                Set.copyOf(credential.stream().map(Diagnostic::code).toList()), summary(found));
        for (Diagnostic d : credential) {
            assertEquals(Severity.INFO, d.severity(), d.toLine());
            assertTrue(d.message().endsWith("Gatewarden manages this secret and will re-issue it (key-mismatch)"),
                    d.toLine());
            assertFalse(d.message().contains("replace it") || d.message().contains("add a ca.crt"), d.toLine());
        }
    }

    // ---------------------------------------------------------------- helpers

    /** A Gateway "big" with {@code n} HTTPS servers on 443, hosts s{i}.example.com, all naming one secret. */
    private static String manyServers(int n, String secret, String mode) {
        ObjectNode gw = JSON.createObjectNode();
        gw.put("apiVersion", "networking.istio.io/v1").put("kind", "Gateway");
        gw.putObject("metadata").put("name", "big").put("namespace", "default");
        ObjectNode spec = gw.putObject("spec");
        spec.putObject("selector").put("istio", "ingressgateway");
        ArrayNode servers = spec.putArray("servers");
        for (int i = 0; i < n; i++) {
            ObjectNode s = servers.addObject();
            s.putObject("port").put("number", 443).put("name", "https-" + i).put("protocol", "HTTPS");
            s.putArray("hosts").add("s" + i + ".example.com");
            s.putObject("tls").put("mode", mode).put("credentialName", secret);
        }
        return gw.toString(); // JSON is YAML
    }

    private static String secretYaml(String name, String crt, String key, Map<String, String> labels) {
        ObjectNode s = JSON.createObjectNode();
        s.put("apiVersion", "v1").put("kind", "Secret").put("type", "kubernetes.io/tls");
        ObjectNode meta = s.putObject("metadata").put("name", name).put("namespace", "istio-system");
        labels.forEach(meta.putObject("labels")::put);
        ObjectNode data = s.putObject("data");
        data.put("tls.crt", Base64.getEncoder().encodeToString(crt.getBytes(StandardCharsets.ISO_8859_1)));
        data.put("tls.key", Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.ISO_8859_1)));
        return s.toString();
    }

    private static List<Resource> resources(String... docs) throws IOException {
        List<Resource> out = new ArrayList<>();
        for (String doc : Stream.concat(Stream.of(INGRESS.split("(?m)^---$")), Stream.of(docs)).toList()) {
            JsonNode node = YAML.readTree(doc);
            if (node != null && node.isObject()) {
                out.add(Resource.of(node, "default", "test"));
            }
        }
        return out;
    }

    private static String file(String name) throws IOException {
        return Files.readString(CERTS.resolve(name));
    }

    /** The base64 body of the first PEM block. */
    private static String body(String pem) {
        int start = pem.indexOf("-----", pem.indexOf("-----BEGIN") + 10) + 5;
        int end = pem.indexOf("-----END");
        return pem.substring(start, end).strip();
    }

    private static byte[] der(String pem) {
        return Base64.getMimeDecoder().decode(body(pem));
    }

    /** The same body under another PEM label. */
    private static String relabel(String pem, String label) {
        return "-----BEGIN " + label + "-----\n" + body(pem) + "\n-----END " + label + "-----\n";
    }

    /** Flips characters in the middle of the body: still base64, no longer valid DER. */
    private static String corrupt(String pem) {
        String b = body(pem);
        StringBuilder sb = new StringBuilder(b);
        for (int i = b.length() / 3; i < b.length() / 3 + 8; i++) {
            char c = sb.charAt(i);
            if (Character.isLetterOrDigit(c)) {
                sb.setCharAt(i, c == 'A' ? 'B' : 'A');
            }
        }
        return pem.replace(b, sb.toString());
    }

    private static long count(List<Diagnostic> found, Code code, Severity severity) {
        return found.stream().filter(d -> d.code() == code && d.severity() == severity).count();
    }

    private static String summary(List<Diagnostic> found) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        found.forEach(d -> counts.merge(d.severity() + " " + d.code(), 1, Integer::sum));
        return counts + (found.isEmpty() ? "" : "; first: " + found.get(0).toLine());
    }

    /** A view that counts how often secret data is read, to prove one inspection per secret. */
    private static final class CountingView implements ClusterView {
        final StaticClusterView delegate;
        final AtomicInteger secretReads = new AtomicInteger();
        final Map<String, SecretData> wrapped = new HashMap<>();

        CountingView(List<Resource> resources) {
            this.delegate = new StaticClusterView(resources);
        }

        /** Fresh per view: each test evaluation starts with nothing derived. */
        private final io.gatewarden.cluster.DerivedCache derived = new io.gatewarden.cluster.DerivedCache(this);

        @Override
        public io.gatewarden.cluster.DerivedCache derived() {
            return derived;
        }

        @Override
        public List<Resource> resources(Kind kind) {
            return delegate.resources(kind);
        }

        @Override
        public List<Workload> workloads() {
            return delegate.workloads();
        }

        @Override
        public List<ServiceInfo> services() {
            return delegate.services();
        }

        @Override
        public Optional<SecretData> secret(String namespace, String name) {
            return delegate.secret(namespace, name).map(s -> wrapped.computeIfAbsent(namespace + "/" + name, k -> {
                Map<String, byte[]> counting = new HashMap<>(s.data()) {
                    @Override
                    public byte[] get(Object key) {
                        secretReads.incrementAndGet();
                        return super.get(key);
                    }
                };
                return new SecretData(s.namespace(), s.name(), s.type(), s.labels(), s.annotations(), counting);
            }));
        }

        @Override
        public List<String> namespacesWithSecret(String name) {
            return delegate.namespacesWithSecret(name);
        }
    }
}
