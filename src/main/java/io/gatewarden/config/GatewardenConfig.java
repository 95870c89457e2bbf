package io.gatewarden.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** Every {@code gatewarden.*} setting; each is documented in the README. */
@ConfigMapping(prefix = "gatewarden")
public interface GatewardenConfig {

    Certificates certificates();

    Admission admission();

    Cluster cluster();

    Tls tls();

    /** The webhook serving certificate; Quarkus' TLS registry reads these paths (application.properties). */
    interface Tls {
        @WithDefault("/etc/gatewarden/tls/tls.crt")
        String certFile();

        @WithDefault("/etc/gatewarden/tls/tls.key")
        String keyFile();
    }

    interface Certificates {
        /** Whether Gatewarden provisions missing credentials (GW302 is then info, not error). */
        @WithDefault("true")
        boolean provision();

        /** Where credentials go when a Gateway's selector matches no workload. */
        @WithDefault("istio-system")
        String fallbackNamespace();

        /** GW311: warn when an unmanaged certificate expires within this window. */
        @WithDefault("14d")
        String expiryWarning();
    }

    interface Admission {
        /** How many error findings a denial message lists before "and N more". */
        @WithDefault("20")
        int maxErrorsInMessage();

        /** Enables POST /allow, an allow-all endpoint with the same parsing: the benchmark baseline. */
        @WithDefault("false")
        boolean baselineEndpoint();
    }

    interface Cluster {
        /** How long a first question about a not-yet-watched namespace waits for its Secret cache. */
        @WithDefault("3s")
        Duration secretSyncTimeout();

        /** Timeout of the API lookup that finds same-named secrets elsewhere (GW303 failure path only). */
        @WithDefault("2s")
        Duration lookupTimeout();

        /** Extra namespaces whose Secrets are cached from start-up (the fallback namespace always is). */
        Optional<java.util.List<String>> secretNamespaces();
    }
}
