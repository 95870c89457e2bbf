package io.gatewarden.demands;

/**
 * Why a managed Secret's certificate must be (re)issued, in the order {@link RenewalPolicy} checks
 * them (cert-manager's policy chain): the first that fires is THE reason, the one that lands in
 * events, logs and the {@code reason} tag of metrics.
 */
public enum IssuanceReason {
    SECRET_MISSING("secret does not exist", "secret-missing"),
    DATA_MISSING("tls.crt or tls.key is missing, empty or does not parse", "data-missing"),
    KEY_MISMATCH("tls.key does not belong to the certificate in tls.crt", "key-mismatch"),
    DNS_NAMES_CHANGED("certificate DNS names differ from the names the gateways need", "dns-names-changed"),
    USAGE_CHANGED("certificate key usages differ from what the secret serves (server and/or client authentication)",
            "usage-changed"),
    CA_MISSING("mutual TLS needs ca.crt but it is missing, empty or does not parse", "ca-missing"),
    ISSUER_CHANGED("certificate was issued by another CA than the current one", "issuer-changed"),
    CHAIN_BROKEN("tls.crt does not hold the certificate followed by the CA that issued it", "chain-broken"),
    WEAK("the certificate or its chain has a weak key or signature", "weak"),
    EXPIRED("certificate has expired or is not yet valid", "expired"),
    RENEWAL_WINDOW("certificate enters its renewal window", "renewal-window");

    private final String text;
    private final String label;

    IssuanceReason(String text, String label) {
        this.text = text;
        this.label = label;
    }

    /** A short sentence for events and logs, e.g. "certificate enters its renewal window". */
    public String text() {
        return text;
    }

    /** The metric tag value, e.g. "renewal-window". */
    public String label() {
        return label;
    }
}
