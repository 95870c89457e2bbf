package io.gatewarden.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HostCoverageTest {

    @Test
    void readsSanDnsNames() throws Exception {
        assertEquals(List.of("myapp.example.com"), HostCoverage.dnsNames(Fixtures.leaf("valid")));
        assertEquals(List.of("myapp.example.com", "api.example.com", "shop.example.com"),
                HostCoverage.dnsNames(Fixtures.leaf("multi")));
        assertEquals(List.of("*.example.com"), HostCoverage.dnsNames(Fixtures.leaf("wildcard")));
        assertEquals(List.of("other.example.org"), HostCoverage.dnsNames(Fixtures.leaf("wrongsan")));
        // IP SANs are not DNS names.
        assertEquals(List.of("localhost"), HostCoverage.dnsNames(Fixtures.leaf("server")));
        // No SAN: empty, and the subject CN is not used as a fallback.
        assertEquals(List.of(), HostCoverage.dnsNames(Fixtures.leaf("ca")));
    }

    @Test
    void exactNamesMatchIgnoringCaseAndTrailingDot() {
        List<String> sans = List.of("myapp.example.com", "api.example.com");
        assertTrue(HostCoverage.covers(sans, "myapp.example.com"));
        assertTrue(HostCoverage.covers(sans, "API.Example.COM"));
        assertTrue(HostCoverage.covers(sans, "myapp.example.com."));
        assertTrue(HostCoverage.covers(List.of("MyApp.Example.com."), "myapp.example.com"));
        assertFalse(HostCoverage.covers(sans, "shop.example.com"));
        assertFalse(HostCoverage.covers(sans, "example.com"));
        assertFalse(HostCoverage.covers(sans, "x.myapp.example.com"));
        assertFalse(HostCoverage.covers(List.of(), "myapp.example.com"));
    }

    @Test
    void wildcardSanCoversExactlyOneLabel() {
        List<String> sans = List.of("*.example.com");
        assertTrue(HostCoverage.covers(sans, "a.example.com"));
        assertTrue(HostCoverage.covers(sans, "MyApp.Example.Com."));
        assertFalse(HostCoverage.covers(sans, "a.b.example.com"));
        assertFalse(HostCoverage.covers(sans, "example.com"));
        assertFalse(HostCoverage.covers(sans, ".example.com"));
        assertFalse(HostCoverage.covers(sans, "a.example.org"));
        assertFalse(HostCoverage.covers(sans, "aexample.com"));
    }

    @Test
    void wildcardHostNeedsTheIdenticalWildcardSan() {
        assertTrue(HostCoverage.covers(List.of("*.example.com"), "*.example.com"));
        assertTrue(HostCoverage.covers(List.of("*.Example.com"), "*.example.COM."));
        assertFalse(HostCoverage.covers(List.of("a.example.com", "b.example.com"), "*.example.com"));
        assertFalse(HostCoverage.covers(List.of("*.example.com"), "*.a.example.com"));
        assertFalse(HostCoverage.covers(List.of("*.a.example.com"), "*.example.com"));
    }

    @Test
    void unsupportedWildcardsCoverNothing() {
        assertFalse(HostCoverage.covers(List.of("*"), "*"));
        assertFalse(HostCoverage.covers(List.of("*.example.com"), "*"));
        assertFalse(HostCoverage.covers(List.of("*.com"), "example.com"));
        assertFalse(HostCoverage.covers(List.of("a*.example.com"), "ab.example.com"));
        assertFalse(HostCoverage.covers(List.of("*.*.example.com"), "a.b.example.com"));
        assertFalse(HostCoverage.covers(List.of("myapp.example.com"), ""));
        assertFalse(HostCoverage.covers(List.of("myapp.example.com"), null));
    }

    @Test
    void fixturesCoverTheirHosts() throws Exception {
        assertTrue(HostCoverage.covers(HostCoverage.dnsNames(Fixtures.leaf("valid")), "myapp.example.com"));
        assertTrue(HostCoverage.covers(HostCoverage.dnsNames(Fixtures.leaf("wildcard")), "myapp.example.com"));
        assertFalse(HostCoverage.covers(HostCoverage.dnsNames(Fixtures.leaf("wildcard")), "a.b.example.com"));
        for (String host : List.of("myapp.example.com", "api.example.com", "shop.example.com")) {
            assertTrue(HostCoverage.covers(HostCoverage.dnsNames(Fixtures.leaf("multi")), host), host);
        }
        assertFalse(HostCoverage.covers(HostCoverage.dnsNames(Fixtures.leaf("multi")), "*.example.com"));
        assertFalse(HostCoverage.covers(HostCoverage.dnsNames(Fixtures.leaf("wrongsan")), "myapp.example.com"));
        assertTrue(HostCoverage.covers(HostCoverage.dnsNames(Fixtures.leaf("server")), "localhost"));
    }
}
