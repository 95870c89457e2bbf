package io.gatewarden.diagnostics;

/**
 * The diagnostic codes of {@code shared/spec/diagnostics.md}: a stable contract.
 * A code never changes meaning once shipped; the summary is the spec's condition, for docs and tests.
 */
public enum Code {
    GW101(Severity.ERROR, "no servers, or a null server"),
    GW102(Severity.ERROR, "a server with no hosts"),
    GW103(Severity.ERROR, "bad host: not [ns/]dnsName; ns not *, . or a DNS-1123 label; empty side of /; short (dot-less) name other than *; wildcard anywhere but a leading *. label; partial wildcard (*foo.com); label not DNS-1123; longer than 255"),
    GW104(Severity.ERROR, "port missing, or number outside 1..65535 (0 only with a unix:// bind)"),
    GW105(Severity.ERROR, "unknown port protocol (HTTP, HTTPS, GRPC, GRPC-WEB, HTTP2, MONGO, REDIS, MYSQL, TCP, TLS; case-insensitive)"),
    GW106(Severity.ERROR, "port name missing"),
    GW107(Severity.ERROR, "two servers in one Gateway share a port name"),
    GW108(Severity.ERROR, "port.targetPort set (it has no effect on a Gateway)"),
    GW109(Severity.ERROR, "Gateway name is not a DNS-1123 label"),
    GW201(Severity.ERROR, "HTTPS or TLS server without a tls block"),
    GW202(Severity.ERROR, "tls on a plain-text HTTP-family port, other than a redirect-only / passthrough block with no certificate fields"),
    GW203(Severity.ERROR, "tls on a non-HTTP, non-TLS port (TCP, MONGO, …)"),
    GW204(Severity.WARNING, "certificate fields present but tls.mode unset: Istio treats it as PASSTHROUGH and ignores them (the mutating webhook defaults the mode to SIMPLE instead)"),
    GW205(Severity.ERROR, "SIMPLE / MUTUAL / OPTIONAL_MUTUAL with no certificate source (credentialName, credentialNames, serverCertificate+privateKey, tlsCertificates) — unless Gatewarden will assign and provision one"),
    GW206(Severity.ERROR, "more than one certificate source"),
    GW207(Severity.ERROR, "MUTUAL / OPTIONAL_MUTUAL with file certificates but no caCertificates"),
    GW208(Severity.ERROR, "ISTIO_MUTUAL with any certificate field"),
    GW209(Severity.WARNING, "PASSTHROUGH / AUTO_PASSTHROUGH with certificate fields (ignored)"),
    GW210(Severity.WARNING, "AUTO_PASSTHROUGH on a protocol other than TLS"),
    GW211(Severity.ERROR, "minProtocolVersion above maxProtocolVersion (Envoy would reject the listener; Istio does not check)"),
    GW212(Severity.WARNING, "minimum version below TLSV1_2 without cipherSuites"),
    GW213(Severity.WARNING, "unknown or duplicate cipher suite"),
    GW214(Severity.WARNING, "httpsRedirect on a non-HTTP server"),
    GW215(Severity.ERROR, "caCrl with SIMPLE, or with credentialName"),
    GW216(Severity.ERROR, "more than 2 credentialNames / tlsCertificates"),
    GW217(Severity.WARNING, "SIMPLE with caCertificates (or subjectAltNames): Istio ignores them in SIMPLE mode, so client certificates are not verified (use MUTUAL or OPTIONAL_MUTUAL)"),
    GW301(Severity.ERROR, "selector matches no gateway workload in any namespace"),
    GW302(Severity.ERROR, "credentialName secret not found in the gateway **workload** namespace (not the Gateway's own namespace). Becomes I (\"will be provisioned\") when Gatewarden manages it"),
    GW303(Severity.ERROR, "GW302, and a secret of that name exists in another namespace: say which, and that Istio will not read it there. Stays an error with provisioning on: Gatewarden never papers over a user's certificate with one of its own"),
    GW304(Severity.ERROR, "secret lacks tls.crt+tls.key (or cert+key), or they are empty"),
    GW305(Severity.ERROR, "certificate is not PEM or does not parse"),
    GW306(Severity.ERROR, "certificate expired or not yet valid"),
    GW307(Severity.ERROR, "private key does not match the certificate"),
    GW308(Severity.WARNING, "certificate SANs do not cover a server host (clients sending that SNI get a name mismatch)"),
    GW309(Severity.WARNING, "chain problem: leaf not first, chain does not link, intermediate missing"),
    GW310(Severity.ERROR, "MUTUAL / OPTIONAL_MUTUAL credential with no CA: neither a <name>-cacert secret nor a ca.crt / cacert key"),
    GW311(Severity.WARNING, "unmanaged certificate expires within the warning window (default 14 days)"),
    GW312(Severity.ERROR, "kubernetes://ns/name pointing outside the workload namespace"),
    GW313(Severity.WARNING, "weak key (RSA < 2048) or SHA-1 signature"),
    GW314(Severity.ERROR, "the gateway workload's ServiceAccount may not read Secrets in its namespace (istiod refuses to serve the credential)"),
    GW401(Severity.ERROR, "another Gateway on the same or overlapping workloads serves the same port, host and bind"),
    GW402(Severity.WARNING, "two Gateways on overlapping workloads share one credential (HTTP/2 connection reuse then sends requests to the wrong Gateway: 404)"),
    GW403(Severity.WARNING, "server port not exposed by any Service that selects the gateway workload"),
    RT501(Severity.ERROR, "VirtualService names a gateway that does not exist"),
    RT502(Severity.WARNING, "none of a VirtualService's hosts matches a host of the gateway servers it binds to"),
    RT503(Severity.ERROR, "TLS route SNI host not within the VirtualService hosts"),
    RT504(Severity.WARNING, "VirtualService bound to a PASSTHROUGH server has no tls route (traffic is dropped)"),
    RT505(Severity.ERROR, "host * on a VirtualService bound to mesh"),
    RT506(Severity.WARNING, "route destination host (route or mirror) matches no Service or ServiceEntry visible from the route's namespace (exportTo)"),
    RT507(Severity.WARNING, "route destination port is not a port of the Service or ServiceEntry it names"),
    RT508(Severity.WARNING, "two VirtualServices bound to mesh (sidecars) claim the same host: sidecars use only one of them"),
    RT509(Severity.WARNING, "VirtualService bound to a server that terminates TLS has only tls routes for its hosts: the terminated HTTP matches nothing (404 NR)"),
    RT510(Severity.WARNING, "VirtualServices bound to the same gateway for the same host are merged in creation order, and an earlier one's catch-all route shadows routes of a later one"),
    EG601(Severity.ERROR, "ServiceEntry with no hosts, or host *"),
    EG602(Severity.ERROR, "ServiceEntry host invalid (same grammar as GW103); partial wildcard is W"),
    EG603(Severity.ERROR, "duplicate ServiceEntry port name or number"),
    EG604(Severity.ERROR, "DNS resolution with a wildcard host and no endpoints"),
    EG605(Severity.WARNING, "TCP (or unset) port without addresses"),
    EG606(Severity.WARNING, "DestinationRule TLS origination (SIMPLE/MUTUAL) that does not verify the server (no caCertificates; no credentialName with workloadSelector)"),
    EG607(Severity.ERROR, "DestinationRule MUTUAL with neither client certificate+key nor credentialName"),
    EG608(Severity.WARNING, "DestinationRule credentialName without workloadSelector: sidecars ignore it and send plaintext"),
    EG609(Severity.ERROR, "DestinationRule credentialName secret (or its CA) missing in the originating gateway's workload namespace; I when Gatewarden provisions it"),
    EG610(Severity.WARNING, "broad egress: wildcard ServiceEntry host (*.com, *.example.com); E when policy forbids it"),
    EG611(Severity.WARNING, "egress routing incomplete: VirtualService sends external host traffic to an egress gateway, but the mesh hop, the gateway hop, or the ServiceEntry is missing"),
    EG612(Severity.WARNING, "same host and port declared with different protocols"),
    EG613(Severity.WARNING, "a Service or ServiceEntry declares port 443 with an HTTP-family protocol: sidecars treat outbound 443 as plaintext HTTP and external HTTPS from the mesh fails"),
    GA701(Severity.ERROR, "HTTPS listener, or TLS listener in Terminate mode, without certificateRefs"),
    GA702(Severity.WARNING, "Passthrough listener with certificateRefs"),
    GA703(Severity.ERROR, "certificateRef to anything but a core Secret"),
    GA704(Severity.ERROR, "cross-namespace certificateRef with no ReferenceGrant allowing it"),
    GA705(Severity.ERROR, "referenced Secret missing or invalid: same checks and severities as GW302–GW313, against the listener hostname"),
    GA706(Severity.WARNING, "HTTPRoute/TLSRoute parentRef to a missing Gateway or listener, or hostnames that do not intersect the listener's"),
    GA707(Severity.WARNING, "more than 2 certificateRefs on one listener (Istio serves at most 2)"),
    GA708(Severity.WARNING, "route not admitted by the listener (allowedRoutes, sectionName/port, or kind vs protocol/TLS mode)"),
    GA709(Severity.WARNING, "route backendRefs to a missing Service/port, or across namespaces without a ReferenceGrant"),
    GA710(Severity.ERROR, "an Istio Gateway server and a Gateway API listener on the same gateway workload claim the same port and host"),
    GA711(Severity.WARNING, "waypoint sanity: istio-waypoint Gateway without the HBONE listener on 15008, or istio.io/use-waypoint naming a missing waypoint"),
    POL801(Severity.ERROR, "a namespace claims a host it does not own (ownership map, or first claim by another namespace)"),
    POL802(Severity.ERROR, "TLS minimum version below the policy floor"),
    POL803(Severity.ERROR, "wildcard host on an HTTPS server where policy forbids it"),
    POL804(Severity.ERROR, "egress host outside the allow-list"),
    POL805(Severity.WARNING, "plain HTTP server for a host that also has HTTPS, without httpsRedirect"),
    POL806(Severity.ERROR, "a Gateway names a credential that Gateways of another namespace already use, where credential ownership is on"),
    MUT901(Severity.INFO, "tls.mode set to SIMPLE where certificate fields exist and mode was unset"),
    MUT902(Severity.INFO, "credentialName assigned to an HTTPS/TLS-terminating server that had no certificate source; the secret is provisioned"),
    MUT903(Severity.INFO, "minProtocolVersion raised/set to the configured floor (default TLSV1_2)"),
    MUT904(Severity.INFO, "missing port name set to <protocol>-<number>"),
    MUT905(Severity.INFO, "hosts lower-cased"),
    MUT906(Severity.INFO, "DestinationRule TLS origination sni set to the host"),
    MUT907(Severity.INFO, "management annotation recorded on the resource"),
    MUT908(Severity.INFO, "Gateway API: a certificateRefs entry assigned to an HTTPS (or TLS Terminate) listener that has none; the secret is provisioned");

    private final Severity defaultSeverity;
    private final String summary;

    Code(Severity defaultSeverity, String summary) {
        this.defaultSeverity = defaultSeverity;
        this.summary = summary;
    }

    /** The severity the spec gives; some rules lower it (GW302 becomes info when provisioned). */
    public Severity defaultSeverity() {
        return defaultSeverity;
    }

    public String summary() {
        return summary;
    }
}
