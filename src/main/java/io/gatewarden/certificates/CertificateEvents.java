package io.gatewarden.certificates;

import io.gatewarden.demands.IssuanceReason;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.gatewarden.demands.CredentialDemand;
import io.gatewarden.diagnostics.ObjectRef;
import org.jboss.logging.Logger;

import java.time.Instant;

/**
 * Kubernetes Events recording why a certificate was issued, on the Secret and on each Gateway
 * that needs it, so {@code kubectl describe} shows it; and what happens to the issuing CA, on its Secret. Best effort: an Event that cannot be
 * written never fails an issuance.
 */
final class CertificateEvents {
    private static final Logger LOG = Logger.getLogger(CertificateEvents.class);
    private final KubernetesClient client;
    private final String instance;

    CertificateEvents(KubernetesClient client, String instance) {
        this.client = client;
        this.instance = instance;
    }

    void issued(CredentialDemand demand, boolean created, IssuanceReason reason) {
        String eventReason = created ? "CertificateIssued" : "CertificateRenewed";
        String message = (created ? "Issued" : "Renewed") + " the certificate in secret " + demand.namespace() + "/"
                + demand.secretName() + " for " + String.join(", ", demand.dnsNames()) + ": " + reason.text();
        emit("v1", "Secret", demand.namespace(), demand.secretName(), eventReason, message);
        for (ObjectRef ref : demand.forResources()) {
            emit(apiVersion(ref), ref.kind(), ref.namespace(), ref.name(), eventReason, message);
        }
    }

    /** A Warning Event on a resource (a Gateway whose credentials its proxies may not read). */
    void warning(ObjectRef ref, String reason, String message) {
        emit(apiVersion(ref), ref.kind(), ref.namespace(), ref.name(), reason, message, "Warning");
    }

    private static String apiVersion(ObjectRef ref) {
        return ref.group().isEmpty() ? "v1" : ref.group() + "/v1";
    }

    /** An Event on the CA Secret: {@code warning} for trouble (the rate guard, no usable CA), else Normal. */
    void onCaSecret(String namespace, String name, boolean warning, String reason, String message) {
        emit("v1", "Secret", namespace, name, reason, message, warning ? "Warning" : "Normal");
    }

    private void emit(String apiVersion, String kind, String namespace, String name, String reason, String message) {
        emit(apiVersion, kind, namespace, name, reason, message, "Normal");
    }

    private void emit(String apiVersion, String kind, String namespace, String name, String reason, String message,
                      String type) {
        try {
            String now = Instant.now().toString();
            client.v1().events().inNamespace(namespace).resource(new EventBuilder()
                    .withNewMetadata().withGenerateName(name + ".").withNamespace(namespace).endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(apiVersion).withKind(kind)
                            .withNamespace(namespace).withName(name).build())
                    .withReason(reason).withMessage(message).withType(type)
                    .withNewSource().withComponent("gatewarden").withHost(instance).endSource()
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1).build()).create();
        } catch (RuntimeException e) {
            LOG.debugf("event on %s %s/%s not recorded: %s", kind, namespace, name, e.getMessage());
        }
    }
}
