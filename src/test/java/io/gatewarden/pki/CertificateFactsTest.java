package io.gatewarden.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CertificateFactsTest {

    @Test
    void smallRsaKeyIsWeak() throws Exception {
        assertEquals(Optional.of("RSA key of 1024 bits (use 2048 or more)"),
                CertificateFacts.weakness(Fixtures.leaf("rsa1024")));
    }

    @Test
    void sha1SignatureIsWeak() throws Exception {
        assertEquals(Optional.of("SHA-1 signature (SHA1withRSA)"), CertificateFacts.weakness(Fixtures.leaf("sha1")));
    }

    @Test
    void everythingElseIsNotWeak() throws Exception {
        for (String name : List.of("valid", "valid-chain", "wildcard", "multi", "expired", "notyetvalid", "wrongsan",
                "mismatch", "brokenchain", "rsa2048", "p384", "server", "ca", "intermediate", "rsaca")) {
            for (X509Certificate cert : Fixtures.chain(name)) {
                assertEquals(Optional.empty(), CertificateFacts.weakness(cert), name);
            }
        }
    }

    @Test
    void describeGivesCommonNameAndHexSerial() throws Exception {
        X509Certificate valid = Fixtures.leaf("valid");
        assertEquals("CN=myapp.example.com (serial " + valid.getSerialNumber().toString(16) + ")",
                CertificateFacts.describe(valid));
        X509Certificate ca = Fixtures.leaf("ca");
        assertEquals("CN=Gatewarden Test Root CA (serial " + ca.getSerialNumber().toString(16) + ")",
                CertificateFacts.describe(ca));
        assertEquals("CN=*.example.com", CertificateFacts.subject(Fixtures.leaf("wildcard")));
    }
}
