package io.gatewarden.admission;

import io.gatewarden.cluster.InformerClusterView;
import io.gatewarden.webhook.ServingKeyStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once the serving certificate is loaded (with self-managed webhook TLS: the one from the Secret, not
 * the temporary one) and the cluster caches have synced. The issuing CA is only reported in the data:
 * admission does not need it, and an unready webhook under {@code failurePolicy: Fail} would deny every
 * Gateway write in the cluster while provisioning is merely degraded (that shows in metrics, Events and logs
 * instead).
 */
@Readiness
@ApplicationScoped
public class ServiceReadiness implements HealthCheck {
    @Inject
    InformerClusterView view;
    @Inject
    @io.smallrye.common.annotation.Identifier(ServingKeyStore.TLS_CONFIGURATION)
    ServingKeyStore serving;
    @Inject
    io.gatewarden.certificates.CertificateManager certificates;

    @Override
    public HealthCheckResponse call() {
        java.util.Optional<String> servingProblem = serving.problem();
        boolean certificate = servingProblem.isEmpty();
        boolean cluster = view.allSynced();
        return HealthCheckResponse.named("gatewarden").status(certificate && cluster)
                .withData("servingCertificate", servingProblem.orElseGet(() -> serving.loaded().map(Object::toString).orElse("")))
                .withData("clusterSynced", cluster)
                .withData("issuingCa", certificates.caStatus()).withData("certificateLeader", certificates.isLeader()).build();
    }
}
