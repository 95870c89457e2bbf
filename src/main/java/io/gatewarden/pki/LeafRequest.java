package io.gatewarden.pki;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What a leaf certificate should be.
 *
 * @param dnsNames the SAN dNSName entries, at least one; wildcards such as "*.example.com" are
 *     allowed. Kept in the given order, duplicates (ignoring case) removed; the first becomes the
 *     subject CN.
 * @param algorithm the key type of the new key pair
 * @param lifetime notAfter minus the issuing moment (at least one second)
 * @param clientAuth whether extendedKeyUsage includes clientAuth
 * @param serverAuth whether extendedKeyUsage includes serverAuth (at least one of the two)
 */
public record LeafRequest(List<String> dnsNames, KeyAlgorithm algorithm, Duration lifetime, boolean clientAuth,
                          boolean serverAuth) {

    /** The default leaf lifetime. */
    public static final Duration DEFAULT_LIFETIME = Duration.ofDays(90);

    public LeafRequest {
        Objects.requireNonNull(algorithm, "algorithm");
        if (dnsNames == null || dnsNames.isEmpty()) {
            throw new IllegalArgumentException("a leaf certificate needs at least one DNS name");
        }
        List<String> names = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (String name : dnsNames) {
            String problem = problem(name);
            if (problem != null) {
                throw new IllegalArgumentException("DNS name \"" + name + "\" " + problem);
            }
            String lower = name.toLowerCase(Locale.ROOT);
            if (!seen.contains(lower)) {
                seen.add(lower);
                names.add(name);
            }
        }
        dnsNames = List.copyOf(names);
        if (lifetime == null || lifetime.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("certificate lifetime must be at least one second, got " + lifetime);
        }
        if (!clientAuth && !serverAuth) {
            throw new IllegalArgumentException("a leaf certificate needs serverAuth, clientAuth or both");
        }
    }

    /** A serving certificate with the default key type (ECDSA P-256) and lifetime (90 days). */
    public static LeafRequest server(List<String> dnsNames) {
        return new LeafRequest(dnsNames, KeyAlgorithm.DEFAULT, DEFAULT_LIFETIME, false, true);
    }

    // Only what would make the certificate unbuildable or useless; hostname syntax rules belong to
    // the rules/ package (Hosts.dnsNameProblem), which decides what becomes a demand.
    private static String problem(String name) {
        if (name == null || name.isBlank()) {
            return "is blank";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                return "must be ASCII without spaces (use the punycode form of international names)";
            }
        }
        return null;
    }
}
