package io.gatewarden.admission;

import io.gatewarden.cluster.InformerClusterView;
import io.gatewarden.webhook.ServingKeyStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once a serving certificate is loaded (in self mode: the one from the Secret) and the cluster caches have synced. */
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
        java.util.Optional<String> ca = certificates.problem();
        return HealthCheckResponse.named("gatewarden").status(certificate && cluster && ca.isEmpty())
                .withData("servingCertificate", servingProblem.orElseGet(() -> serving.loaded().map(Object::toString).orElse(""))).withData("clusterSynced", cluster)
                .withData("issuingCa", ca.orElse("loaded")).withData("certificateLeader", certificates.isLeader()).build();
    }
}
