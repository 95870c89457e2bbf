package io.gatewarden.pki;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Runs every check on every certificate/key pair in certs-test/, the way a Secret is inspected,
 * and asserts that each fixture yields exactly the kind of finding it was made for.
 */
class FixtureMatrixTest {

    private static final String HOST = "myapp.example.com";

    @Test
    void eachFixtureHasExactlyItsIntendedFinding() {
        Map<String, List<String>> expected = new LinkedHashMap<>();
        expected.put("valid", List.of());
        expected.put("valid-chain", List.of());
        expected.put("wildcard", List.of());
        expected.put("multi", List.of());
        expected.put("rsa2048", List.of());
        expected.put("p384", List.of());
        expected.put("server", List.of());
        expected.put("expired", List.of("validity"));
        expected.put("notyetvalid", List.of("validity"));
        expected.put("wrongsan", List.of("host"));
        expected.put("mismatch", List.of("key"));
        expected.put("brokenchain", List.of("chain"));
        expected.put("rsa1024", List.of("weakness"));
        expected.put("sha1", List.of("weakness"));

        assertAll(expected.entrySet().stream().map(e -> () ->
                assertEquals(e.getValue(), findings(e.getKey()), e.getKey())));
    }

    private static List<String> findings(String name) throws Exception {
        List<X509Certificate> chain = Fixtures.chain(name);
        X509Certificate leaf = chain.get(0);
        String host = name.equals("server") ? "localhost" : HOST;
        List<String> found = new ArrayList<>();
        if (!KeyMatch.matches(leaf, Fixtures.key(name))) {
            found.add("key");
        }
        if (!HostCoverage.covers(HostCoverage.dnsNames(leaf), host)) {
            found.add("host");
        }
        if (!ChainCheck.problems(chain).isEmpty()) {
            found.add("chain");
        }
        if (chain.stream().anyMatch(c -> CertificateFacts.weakness(c).isPresent())) {
            found.add("weakness");
        }
        if (chain.stream().anyMatch(c -> Validity.problem(c, Instant.now()).isPresent())) {
            found.add("validity");
        }
        return found;
    }
}
