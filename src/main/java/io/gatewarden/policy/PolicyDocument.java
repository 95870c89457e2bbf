package io.gatewarden.policy;

import io.gatewarden.model.TlsVersion;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The policy written in a ConfigMap's data (or an analyze policy file): what it adds to the settings.
 * Lists (host patterns) add to the settings' lists; the other keys override them. Values separate
 * list items with commas, spaces or new lines; {@code #} starts a comment.
 *
 * <pre>
 * allowed-hosts              egress: host patterns every namespace may declare (POL804)
 * namespace.NS               egress: more patterns for namespace NS
 * deny-wildcard-hosts        egress: true makes EG610 an error
 * host-ownership             off | map | first-claim (POL801)
 * hosts.NS                   map mode: the host patterns namespace NS owns
 * unowned-hosts              map mode: allow | deny a host no namespace owns
 * exempt-namespace-label     key=value: namespaces with it are exempt (default gatewarden.io/policy=exempt)
 * credential-ownership       true: a credential belongs to the namespace that named it first (POL806)
 * tls-min-version            TLSV1_2, TLSV1_3 ... or off (POL802)
 * deny-wildcard-https-hosts  true: wildcard hosts on HTTPS servers are denied (POL803)
 * require-https-redirect     true: an HTTP server for a host that also has HTTPS needs httpsRedirect (POL805)
 * </pre>
 */
public final class PolicyDocument {
    static final String ALLOWED_HOSTS = "allowed-hosts";
    static final String EGRESS_NAMESPACE_PREFIX = "namespace.";
    static final String DENY_WILDCARD_HOSTS = "deny-wildcard-hosts";
    static final String HOST_OWNERSHIP = "host-ownership";
    static final String HOSTS_PREFIX = "hosts.";
    static final String UNOWNED_HOSTS = "unowned-hosts";
    static final String EXEMPT_NAMESPACE_LABEL = "exempt-namespace-label";
    static final String CREDENTIAL_OWNERSHIP = "credential-ownership";
    static final String TLS_MIN_VERSION = "tls-min-version";
    static final String DENY_WILDCARD_HTTPS_HOSTS = "deny-wildcard-https-hosts";
    static final String REQUIRE_HTTPS_REDIRECT = "require-https-redirect";
    static final List<String> KEYS = List.of(ALLOWED_HOSTS, EGRESS_NAMESPACE_PREFIX + "NS", DENY_WILDCARD_HOSTS,
            HOST_OWNERSHIP, HOSTS_PREFIX + "NS", UNOWNED_HOSTS, EXEMPT_NAMESPACE_LABEL, CREDENTIAL_OWNERSHIP,
            TLS_MIN_VERSION, DENY_WILDCARD_HTTPS_HOSTS, REQUIRE_HTTPS_REDIRECT);

    private final String origin;
    private final List<String> errors = new ArrayList<>();
    private final List<String> allowedHosts = new ArrayList<>();
    private final Map<String, List<String>> egressByNamespace = new TreeMap<>();
    private final Map<String, List<String>> hostOwners = new TreeMap<>();
    private Boolean denyWildcardHosts;
    private Policy.HostOwnership hostOwnership;
    private Boolean denyUnownedHosts;
    private String exemptLabel;
    private Boolean credentialOwnership;
    private TlsVersion tlsFloor;
    private boolean tlsFloorSet;
    private Boolean denyWildcardHttpsHosts;
    private Boolean requireHttpsRedirect;

    private PolicyDocument(String origin) {
        this.origin = origin;
    }

    /** @param origin where the data comes from, for messages ("ConfigMap gatewarden/gatewarden-policy") */
    public static PolicyDocument parse(String origin, Map<String, String> data) {
        PolicyDocument d = new PolicyDocument(origin);
        new TreeMap<>(data).forEach(d::read);
        return d;
    }

    /** What is wrong with the data, one line each naming the key and the value; empty when it is fine. */
    public List<String> errors() {
        return List.copyOf(errors);
    }

    public String origin() {
        return origin;
    }

    private void read(String key, String value) {
        String v = value == null ? "" : value;
        try {
            if (key.equals(ALLOWED_HOSTS)) {
                allowedHosts.addAll(split(v));
            } else if (key.startsWith(EGRESS_NAMESPACE_PREFIX) && key.length() > EGRESS_NAMESPACE_PREFIX.length()) {
                egressByNamespace.put(key.substring(EGRESS_NAMESPACE_PREFIX.length()), split(v));
            } else if (key.equals(DENY_WILDCARD_HOSTS)) {
                denyWildcardHosts = bool(v);
            } else if (key.equals(HOST_OWNERSHIP)) {
                hostOwnership = Policy.HostOwnership.parse(v);
            } else if (key.startsWith(HOSTS_PREFIX) && key.length() > HOSTS_PREFIX.length()) {
                hostOwners.put(key.substring(HOSTS_PREFIX.length()), split(v));
            } else if (key.equals(UNOWNED_HOSTS)) {
                denyUnownedHosts = Policy.unownedDenied(v);
            } else if (key.equals(EXEMPT_NAMESPACE_LABEL)) {
                exemptLabel = v.strip();
            } else if (key.equals(CREDENTIAL_OWNERSHIP)) {
                credentialOwnership = bool(v);
            } else if (key.equals(TLS_MIN_VERSION)) {
                tlsFloor = tlsFloor(v);
                tlsFloorSet = true;
            } else if (key.equals(DENY_WILDCARD_HTTPS_HOSTS)) {
                denyWildcardHttpsHosts = bool(v);
            } else if (key.equals(REQUIRE_HTTPS_REDIRECT)) {
                requireHttpsRedirect = bool(v);
            } else {
                errors.add(origin + ": unknown key \"" + key + "\" (the keys are " + String.join(", ", KEYS) + ")");
            }
        } catch (IllegalArgumentException e) {
            errors.add(origin + ": key " + key + ": " + e.getMessage());
        }
    }

    /** The base policy with this document added: lists joined, other keys replaced where set. */
    public Policy applyTo(Policy base) {
        EgressPolicy e = base.egress();
        List<String> allowed = new ArrayList<>(e.allowedHosts());
        allowed.addAll(allowedHosts);
        Map<String, List<String>> byNamespace = join(e.allowedByNamespace(), egressByNamespace);
        return new Policy(new EgressPolicy(allowed, byNamespace, or(denyWildcardHosts, e.denyWildcardHosts())),
                hostOwnership != null ? hostOwnership : base.hostOwnership(), join(base.hostOwners(), hostOwners),
                or(denyUnownedHosts, base.denyUnownedHosts()), or(credentialOwnership, base.credentialOwnership()),
                exemptLabel != null ? exemptLabel : base.exemptLabel(), tlsFloorSet ? tlsFloor : base.tlsFloor(),
                or(denyWildcardHttpsHosts, base.denyWildcardHttpsHosts()),
                or(requireHttpsRedirect, base.requireHttpsRedirect()), base.configMap());
    }

    /** {@code off} (or empty) turns the floor off; otherwise a concrete TLS version. */
    static TlsVersion tlsFloor(String value) {
        String v = value == null ? "" : value.strip();
        if (v.isEmpty() || v.equalsIgnoreCase("off")) {
            return null;
        }
        TlsVersion t = TlsVersion.parse(v);
        if (t == null || !t.concrete()) {
            throw new IllegalArgumentException("\"" + value + "\" is not TLSV1_0, TLSV1_1, TLSV1_2, TLSV1_3 or off");
        }
        return t;
    }

    private static boolean bool(String v) {
        String s = v.strip().toLowerCase(Locale.ROOT);
        if (!s.equals("true") && !s.equals("false")) {
            throw new IllegalArgumentException("\"" + v + "\" is not true or false");
        }
        return s.equals("true");
    }

    private static boolean or(Boolean set, boolean fallback) {
        return set != null ? set : fallback;
    }

    private static Map<String, List<String>> join(Map<String, List<String>> a, Map<String, List<String>> b) {
        Map<String, List<String>> out = new LinkedHashMap<>(a);
        b.forEach((k, v) -> out.merge(k, v, (x, y) -> {
            List<String> both = new ArrayList<>(x);
            both.addAll(y);
            return both;
        }));
        return out;
    }

    /** Items separated by commas, spaces or new lines, {@code #} starting a comment; lower-cased. */
    public static List<String> split(String value) {
        List<String> out = new ArrayList<>();
        for (String line : value.split("\n")) {
            int hash = line.indexOf('#');
            String content = hash < 0 ? line : line.substring(0, hash);
            for (String token : content.split("[,\\s]+")) {
                if (!token.isEmpty()) {
                    out.add(token.toLowerCase(Locale.ROOT));
                }
            }
        }
        return out;
    }
}
