package io.gatewarden.pki;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Which hosts a certificate serves, matched the way TLS clients do it today (RFC 6125 as
 * browsers, curl and Envoy apply it): only SAN dNSName entries count, the subject CN is ignored.
 */
public final class HostCoverage {

    private static final int SAN_DNS_NAME = 2;

    private HostCoverage() {
    }

    /** The SAN dNSName entries, lower-cased, in certificate order; empty when there are none. */
    public static List<String> dnsNames(X509Certificate cert) {
        Collection<List<?>> sans;
        try {
            sans = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            // A malformed SAN extension names no host a client would accept.
            return List.of();
        }
        if (sans == null) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (List<?> san : sans) {
            if (san.size() >= 2 && Integer.valueOf(SAN_DNS_NAME).equals(san.get(0)) && san.get(1) instanceof String s) {
                names.add(s.toLowerCase(Locale.ROOT));
            }
        }
        return List.copyOf(names);
    }

    /**
     * Whether any of the names covers the host. A SAN "*.example.com" covers exactly one more
     * left-most label. A host that is itself a wildcard (an Istio server may declare
     * "*.example.com") is covered only by the identical wildcard SAN. The host "*" is covered by
     * nothing. Comparison ignores case and a trailing dot.
     */
    public static boolean covers(List<String> dnsNames, String host) {
        String h = normalize(host);
        if (h.isEmpty() || h.equals("*") || dnsNames == null) {
            return false;
        }
        for (String name : dnsNames) {
            String san = normalize(name);
            if (san.isEmpty()) {
                continue;
            }
            if (san.equals(h)) {
                return true;
            }
            // A wildcard host needs the same wildcard: "*.example.com" would otherwise look like a
            // single label "*" under a wildcard SAN, but it stands for every such host.
            if (!h.startsWith("*") && wildcardCovers(san, h)) {
                return true;
            }
        }
        return false;
    }

    private static boolean wildcardCovers(String san, String host) {
        // Only a whole left-most "*" label is honoured (no "f*o.example.com"), and it must sit above
        // at least two labels: clients reject "*.com".
        if (!san.startsWith("*.") || san.indexOf('*', 1) >= 0) {
            return false;
        }
        String suffix = san.substring(1); // ".example.com"
        if (suffix.indexOf('.', 1) < 0) {
            return false;
        }
        if (!host.endsWith(suffix)) {
            return false;
        }
        String label = host.substring(0, host.length() - suffix.length());
        return !label.isEmpty() && label.indexOf('.') < 0;
    }

    private static String normalize(String name) {
        if (name == null) {
            return "";
        }
        String n = name.strip().toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }
}
