package io.gatewarden.facts;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.gatewarden.cluster.SecretData;
import io.gatewarden.pki.Pem;
import io.gatewarden.pki.PemException;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Certificate and key inspection on arbitrary bytes: a Secret's data is written by anyone, and
 * admission and the certificate manager read it. The only declared bad-input path of the PEM reader
 * is {@link PemException}; the assessment never throws, it reports.
 */
class PemFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void assess(byte[] data) {
        try {
            Pem.certificates(data);
        } catch (PemException expected) {
            assertNotNull(expected.getMessage());
        }
        try {
            Pem.privateKey(data);
        } catch (PemException expected) {
            assertNotNull(expected.getMessage());
        }
        SecretData secret = new SecretData("ns", "fuzz", "kubernetes.io/tls", Map.of(), Map.of(),
                Map.of("tls.crt", data, "tls.key", data, "ca.crt", data));
        SecretAssessment a = SecretAssessment.of(secret);
        assertEquals("ns/fuzz", a.secretName());
        a.chainProblems();
        a.usable();
    }
}
