package io.gatewarden.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatewarden.pki.CertificateAuthority;
import io.gatewarden.pki.KeyAlgorithm;
import io.gatewarden.pki.Pem;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CaBundlesTest {
    static final Clock T0 = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    static List<X509Certificate> decode(String base64) throws Exception {
        return Pem.certificates(Base64.getDecoder().decode(base64.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void theBundleKeepsThePreviousCaUntilItExpires() throws Exception {
        CertificateAuthority old = CertificateAuthority.create("ca", KeyAlgorithm.EC_P256, Duration.ofDays(30), T0);
        Clock later = Clock.offset(T0, Duration.ofDays(25));
        CertificateAuthority rotated = old.rotate(KeyAlgorithm.EC_P256, Duration.ofDays(30), later);

        assertEquals(List.of(old.certificate()), decode(CaBundles.desired(old, T0.instant())));
        assertEquals(List.of(rotated.certificate(), old.certificate()), decode(CaBundles.desired(rotated, later.instant())),
                "after a rotation: the new CA, then the old one, whose certificates are still served");
        Instant oldExpired = old.certificate().getNotAfter().toInstant().plusSeconds(1);
        assertEquals(List.of(rotated.certificate()), decode(CaBundles.desired(rotated, oldExpired)));
    }

    @Test
    void thePatchSetsOnlyTheBundlesThatDifferGuardedByResourceVersionAndName() throws Exception {
        String desired = "QUJD";
        Optional<String> patch = CaBundles.patch("42", List.of(new CaBundles.Webhook("validate.gatewarden.io", desired),
                new CaBundles.Webhook("other.gatewarden.io", null)), desired);
        JsonNode ops = new ObjectMapper().readTree(patch.orElseThrow());
        assertEquals(3, ops.size(), ops.toString());
        assertEquals("{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":\"42\"}", ops.get(0).toString());
        assertEquals("{\"op\":\"test\",\"path\":\"/webhooks/1/name\",\"value\":\"other.gatewarden.io\"}", ops.get(1).toString());
        assertEquals("{\"op\":\"add\",\"path\":\"/webhooks/1/clientConfig/caBundle\",\"value\":\"QUJD\"}", ops.get(2).toString());
        for (JsonNode op : ops) {
            String path = op.get("path").asText();
            assertTrue(op.get("op").asText().equals("test") || path.endsWith("/clientConfig/caBundle"), path);
        }
    }

    @Test
    void nothingToPatchWhenEveryBundleIsCurrent() {
        assertEquals(Optional.empty(), CaBundles.patch("7", List.of(new CaBundles.Webhook("a", "X")), "X"));
        assertEquals(Optional.empty(), CaBundles.patch("7", List.of(), "X"));
    }
}
