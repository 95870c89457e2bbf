package io.gatewarden.demands;

import java.util.List;

/** What the certificate manager would do for one demand: {@code create-secret} or {@code renew-secret}. */
public record PlanEntry(String action, String namespace, String name, List<String> dnsNames, List<String> forResources,
                        String reason) {
}
