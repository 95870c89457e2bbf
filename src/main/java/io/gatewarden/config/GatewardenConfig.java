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

    Webhook webhook();

    Defaults defaults();

    Egress egress();

    Policy policy();

    /**
     * The organisation policy beyond egress (POL801–POL803, POL805, POL806); off unless configured. The
     * ConfigMap ({@link #configMap}) adds to these, and the egress ConfigMap of earlier releases still applies.
     */
    interface Policy {
        /** A ConfigMap in Gatewarden's namespace with policy keys (README, Multi-tenant clusters); watched; empty to disable. */
        @WithDefault("gatewarden-policy")
        String configMap();

        /** POL801: off | map | first-claim. */
        @WithDefault("off")
        String hostOwnership();

        /** POL801 map mode: the host patterns a namespace owns, {@code gatewarden.policy.hosts.shop=shop.example.com,*.shop.example.com}. */
        java.util.Map<String, java.util.List<String>> hosts();

        /** POL801 map mode: allow | deny a host no namespace's patterns cover. */
        @WithDefault("allow")
        String unownedHosts();

        /** Namespaces with this label (key=value) are exempt from POL801 and POL806, and own nothing. */
        @WithDefault("gatewarden.io/policy=exempt")
        String exemptNamespaceLabel();

        /** POL806: a credential belongs to the namespace of the first Gateway naming it. */
        @WithDefault("false")
        boolean credentialOwnership();

        /** POL802: the lowest minProtocolVersion a terminating server may have (TLSV1_0..TLSV1_3), or off. */
        @WithDefault("off")
        String tlsMinVersion();

        /** POL803: deny wildcard hosts on HTTPS servers. */
        @WithDefault("false")
        boolean denyWildcardHttpsHosts();

        /** POL805: an HTTP server for a host that also has HTTPS must set httpsRedirect. */
        @WithDefault("false")
        boolean requireHttpsRedirect();
    }

    /** Egress policy: POL804 allow-list and EG610 wildcard handling. Off unless configured. */
    interface Egress {
        /** Cluster-wide external host patterns a ServiceEntry may declare ({@code api.example.com}, {@code *.example.org}). */
        Optional<java.util.List<String>> allowedHosts();

        /** Per-namespace patterns, added to the cluster-wide ones: {@code gatewarden.egress.namespace-allowed-hosts.payments=api.stripe.com}. */
        java.util.Map<String, java.util.List<String>> namespaceAllowedHosts();

        /** A ConfigMap in Gatewarden's namespace with more patterns (keys allowed-hosts, namespace.NS, deny-wildcard-hosts); watched. */
        @WithDefault("gatewarden-egress-policy")
        String configMap();

        /** EG610: deny wildcard ServiceEntry hosts instead of warning. */
        @WithDefault("false")
        boolean denyWildcardHosts();
    }

    /** The mutating webhook's defaults (MUT901–MUT907); each one can be switched off. */
    interface Defaults {
        /** MUT901: tls.mode SIMPLE where a certificate is given without a mode. */
        @WithDefault("true")
        boolean tlsMode();

        /** MUT902: assign a credentialName (provisioned by Gatewarden) to a SIMPLE/HTTPS server without a certificate. */
        @WithDefault("true")
        boolean credentialName();

        /** MUT903: the minProtocolVersion floor (TLSV1_0..TLSV1_3), or "off". */
        @WithDefault("TLSV1_2")
        String minProtocolVersion();

        /** MUT904: missing port names become {@code <protocol>-<number>}. */
        @WithDefault("true")
        boolean portNames();

        /** MUT905: Gateway and VirtualService hosts lower-cased. */
        @WithDefault("true")
        boolean lowercaseHosts();

        /** MUT906: DestinationRule TLS origination sni from spec.host. */
        @WithDefault("true")
        boolean destinationRuleSni();

        /** MUT907: annotation gatewarden.io/defaulted listing the defaults applied. */
        @WithDefault("true")
        boolean annotation();
    }

    /** Where the webhook serving certificate comes from, and the webhook configurations whose caBundle Gatewarden keeps. */
    interface Webhook {
        /** self: issued from Gatewarden's CA into {@link #secret()}, renewed, caBundle kept; files: {@link Tls} PEM files. */
        @WithDefault("self")
        WebhookTls tls();

        /** The Secret in Gatewarden's namespace holding the self-issued serving certificate. */
        @WithDefault("gatewarden-webhook-tls")
        String secret();

        /** The Service the API server calls: the certificate is for {@code <service>.<namespace>.svc[.cluster.local]}. */
        @WithDefault("gatewarden")
        String service();

        /** More DNS names for the certificate, e.g. localhost when the API server calls Gatewarden by URL. */
        Optional<java.util.List<String>> extraDnsNames();

        /** The ValidatingWebhookConfiguration whose webhooks' caBundle Gatewarden keeps current. */
        @WithDefault("gatewarden")
        String validatingConfiguration();

        /** The MutatingWebhookConfiguration whose webhooks' caBundle Gatewarden keeps current. */
        @WithDefault("gatewarden")
        String mutatingConfiguration();
    }

    enum WebhookTls { SELF, FILES }

    /** The webhook serving certificate in files mode (cert-manager, openssl): PEM files, re-read hourly. */
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

        /** Leaf key algorithm: ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096 (per Gateway: annotation gatewarden.io/key-algorithm). */
        @WithDefault("ecdsa-p256")
        String keyAlgorithm();

        /** Leaf lifetime. */
        @WithDefault("90d")
        String lifetime();

        /** Renew when this fraction of the lifetime remains (cert-manager's default: one third). */
        @WithDefault("0.3333333333")
        double renewBeforeFraction();

        /** Renew this long before expiry instead of the fraction (e.g. 30d). */
        Optional<String> renewBefore();

        /** The Secret in Gatewarden's namespace holding the issuing CA; created (ECDSA P-256) when absent. */
        @WithDefault("gatewarden-ca")
        String caSecret();

        @WithDefault("3650d")
        String caLifetime();

        /** Periodic sweep on top of event-driven reconciles (it also wakes for the next renewal). */
        @WithDefault("60s")
        String sweepInterval();

        /** Delete managed secrets that nothing demands any more (otherwise they are only annotated). */
        @WithDefault("false")
        boolean deleteOrphans();

        /** Upper bound of the exponential back-off after a failed issuance; unset: 5m, or the renewal window if shorter. */
        Optional<String> maxBackoff();

        LeaderElection leaderElection();
    }

    /** Only one replica writes Secrets: the holder of a coordination.k8s.io Lease. */
    interface LeaderElection {
        @WithDefault("true")
        boolean enabled();

        @WithDefault("gatewarden-certificates")
        String leaseName();

        @WithDefault("15s")
        String leaseDuration();

        @WithDefault("10s")
        String renewDeadline();

        @WithDefault("2s")
        String retryPeriod();
    }

    /** Gatewarden's own namespace (CA secret, Lease); from the Downward API in the cluster. */
    @WithDefault("${POD_NAMESPACE:gatewarden}")
    String namespace();

    /** This replica's identity in leader election; the pod name in the cluster. */
    @WithDefault("${POD_NAME:${HOSTNAME:gatewarden-local}}")
    String identity();

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

        /** How long a review waits for the live LIST confirming a missing Secret, and for a listed Secret to reach the cache. */
        @WithDefault("2s")
        Duration lookupTimeout();

        /** Extra namespaces whose Secrets are cached from start-up (the fallback namespace always is). */
        Optional<java.util.List<String>> secretNamespaces();
    }
}
