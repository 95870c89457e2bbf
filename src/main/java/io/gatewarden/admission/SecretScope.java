package io.gatewarden.admission;

import io.gatewarden.cluster.InformerClusterView;
import io.gatewarden.config.GatewardenConfig;
import io.gatewarden.facts.Facts;
import io.gatewarden.facts.RuleSettings;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.time.Clock;

/**
 * Tells the informer view which namespaces' Secrets to cache: where credentials are read, by the
 * same credential placement the rules use, with the service's own settings (fallback namespace).
 */
@ApplicationScoped
public class SecretScope {
    @Inject
    InformerClusterView view;
    @Inject
    GatewardenConfig config;

    void onStart(@Observes StartupEvent event) {
        RuleSettings settings = RuleSettings.from(config, Clock.systemUTC());
        view.setSecretScope(v -> new Facts(v, settings).credentialNamespacesOfAll());
    }
}
