package io.gatewarden.policy;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.gatewarden.cluster.ClusterView;
import io.gatewarden.cluster.InformerClusterView;
import io.gatewarden.config.GatewardenConfig;
import io.gatewarden.config.SettingsCheck;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;

/**
 * The policy in force in the service: the settings plus the watched policy ConfigMaps ({@link LastGoodPolicy}).
 * A malformed ConfigMap is reported once per change: an ERROR log line, a Warning Event
 * {@code PolicyInvalid} on the ConfigMap, {@code gatewarden_policy_valid} 0 and
 * {@code gatewarden_policy_errors_total}. Changes apply as soon as the informer has them: every
 * evaluation asks.
 */
@ApplicationScoped
public class PolicyWatcher implements PolicySource {
    private static final Logger LOG = Logger.getLogger(PolicyWatcher.class);

    @Inject
    InformerClusterView view;
    @Inject
    GatewardenConfig config;
    @Inject
    KubernetesClient client;
    @Inject
    MeterRegistry registry;

    private volatile LastGoodPolicy policy;
    private Counter errors;

    /** Settings that do not parse stop the start, as {@link SettingsCheck} does for the others. */
    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE + 1) StartupEvent event) {
        List<String> problems = Policy.problems(config);
        if (!problems.isEmpty()) {
            throw new ConfigurationException(SettingsCheck.message(problems));
        }
        errors = Counter.builder("gatewarden.policy.errors").description("Malformed policy ConfigMaps seen")
                .register(registry);
        Gauge.builder("gatewarden.policy.valid", this, w -> w.lastGood().valid() ? 1 : 0)
                .description("0 while a policy ConfigMap is malformed and the last good policy stays in force")
                .register(registry);
        view.addListener(() -> policy(view));
    }

    @Override
    public Policy policy(ClusterView v) {
        return lastGood().policy(v);
    }

    private LastGoodPolicy lastGood() {
        LastGoodPolicy p = policy;
        if (p == null) {
            synchronized (this) {
                if (policy == null) {
                    Policy base = Policy.from(config);
                    policy = new LastGoodPolicy(new ConfigMapPolicy(base, config.namespace(),
                            List.of(config.egress().configMap(), config.policy().configMap())), base, this::report);
                }
                p = policy;
            }
        }
        return p;
    }

    private void report(List<String> problems) {
        if (errors != null) {
            errors.increment();
        }
        String message = "policy not applied, the last good policy stays in force: " + String.join("; ", problems);
        LOG.error(message);
        String name = config.policy().configMap();
        try {
            String now = Instant.now().toString();
            client.v1().events().inNamespace(config.namespace()).resource(new EventBuilder()
                    .withNewMetadata().withGenerateName(name + ".").withNamespace(config.namespace()).endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion("v1").withKind("ConfigMap")
                            .withNamespace(config.namespace()).withName(name).build())
                    .withReason("PolicyInvalid").withMessage(message.length() > 1000 ? message.substring(0, 1000) : message)
                    .withType("Warning").withNewSource().withComponent("gatewarden").withHost(config.identity()).endSource()
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1).build()).create();
        } catch (RuntimeException e) {
            LOG.debugf("event on ConfigMap %s/%s not recorded: %s", config.namespace(), name, e.getMessage());
        }
    }
}
