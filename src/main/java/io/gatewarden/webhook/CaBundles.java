package io.gatewarden.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.gatewarden.pki.CertificateAuthority;
import io.gatewarden.pki.Pem;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The caBundle of Gatewarden's webhook configurations: what it must be, and the JSON Patch that makes it so
 * while touching nothing else.
 */
public final class CaBundles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CaBundles() {
    }

    /** One webhook of a configuration: its name and current caBundle (base64, null when unset). */
    public record Webhook(String name, String caBundle) {
    }

    /**
     * The CA's trust bundle (this CA, then each previous CA not yet expired), PEM, base64 as the field holds it:
     * leaves a previous CA signed keep verifying until that CA expires, so a CA rotation never breaks admission.
     */
    public static String desired(CertificateAuthority ca, Instant now) {
        String pem = Pem.encode(ca.trustBundle(now).toArray(X509Certificate[]::new));
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * A JSON Patch setting {@code caBundle} of every webhook whose value differs, empty when none does. It tests
     * the resourceVersion read (a concurrent change makes it fail: read again) and each webhook's name at its
     * index (a reordered list never gets the wrong bundle), and changes nothing but {@code clientConfig.caBundle}.
     */
    public static Optional<String> patch(String resourceVersion, List<Webhook> webhooks, String desired) {
        ArrayNode ops = JSON.createArrayNode();
        ops.addObject().put("op", "test").put("path", "/metadata/resourceVersion").put("value", resourceVersion);
        for (int i = 0; i < webhooks.size(); i++) {
            Webhook w = webhooks.get(i);
            if (!desired.equals(w.caBundle())) {
                ops.addObject().put("op", "test").put("path", "/webhooks/" + i + "/name").put("value", w.name());
                ops.addObject().put("op", "add").put("path", "/webhooks/" + i + "/clientConfig/caBundle")
                        .put("value", desired);
            }
        }
        return ops.size() == 1 ? Optional.empty() : Optional.of(ops.toString());
    }
}
