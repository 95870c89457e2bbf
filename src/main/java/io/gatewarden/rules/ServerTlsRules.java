package io.gatewarden.rules;

import io.gatewarden.facts.Facts;
import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.model.IstioGateway;
import io.gatewarden.model.IstioGateway.Server;
import io.gatewarden.model.IstioGateway.Tls;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.model.ServerProtocol;
import io.gatewarden.model.TlsMode;
import io.gatewarden.model.TlsVersion;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * GW201–GW216: the {@code tls} block of each Istio Gateway server, judged against its port protocol.
 * Type errors inside {@code tls} are reported by {@link GatewayStructureRules}, not here.
 * <p>
 * Checks that depend on the protocol (GW201–GW205, GW210, GW214) are skipped for an unknown or
 * missing protocol (GW105 already fires); a block that is not allowed on its port at all (GW202,
 * GW203) gets that one finding, since advice about its contents would be moot.
 */
public final class ServerTlsRules implements Rule {
    /**
     * Cipher suite names Istio accepts for Gateway servers (BoringSSL names, as listed in Istio's
     * validation). Entries may also be equal-preference groups {@code [A|B]}, whose members are checked.
     */
    private static final Set<String> CIPHER_SUITES = Set.of(
            "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
            "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
            "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
            "ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA", "ECDHE-RSA-AES256-SHA",
            "AES128-GCM-SHA256", "AES256-GCM-SHA384", "AES128-SHA", "AES256-SHA", "DES-CBC3-SHA");

    /** GW216: Istio serves at most two certificates per server (one RSA, one ECDSA). */
    private static final int MAX_CERTIFICATES = 2;

    @Override
    public Kind kind() {
        return Kind.ISTIO_GATEWAY;
    }

    @Override
    public Set<Code> codes() {
        return Set.of(Code.GW201, Code.GW202, Code.GW203, Code.GW204, Code.GW205, Code.GW206, Code.GW207, Code.GW208, Code.GW209, Code.GW210, Code.GW211, Code.GW212, Code.GW213, Code.GW214, Code.GW215, Code.GW216, Code.GW217);
    }

    @Override
    public Set<Kind> reads() {
        return Set.of(Kind.ISTIO_GATEWAY);
    }

    @Override
    public void check(Resource resource, Facts facts, List<Diagnostic> out) {
        IstioGateway gw = facts.gateway(resource);
        GatewayFindings f = new GatewayFindings(gw, out);
        for (Server s : gw.servers()) {
            if (s == null) {
                continue;
            }
            if (s.tls() == null) {
                missingTls(s, f);
            } else if (allowedOnPort(s, f)) {
                checkTls(s, s.tls(), s.path() + ".tls", f);
            }
        }
    }

    private static void checkTls(Server s, Tls tls, String path, GatewayFindings f) {
        ServerProtocol protocol = s.port() == null ? null : s.port().knownProtocol();
        if (protocol != null && protocol.carriesTls()) {
            unsetMode(tls, path, f);
            missingCertificate(tls, path, f);
        }
        if (protocol != null) {
            autoPassthrough(s, tls, path, f);
            httpsRedirect(s, tls, path, f);
        }
        certificateSources(tls, path, f);
        clientCa(tls, path, f);
        unverifiedClients(tls, path, f);
        ignoredCertificates(tls, path, f);
        versions(tls, path, f);
        cipherSuites(tls, path, f);
        crl(tls, path, f);
        certificateCount(tls, path, f);
    }

    /** GW201. */
    private static void missingTls(Server s, GatewayFindings f) {
        String protocol = s.protocolUpper();
        if (carriesTls(s)) {
            f.add(Code.GW201, s.path() + ".tls", protocol + " server has no tls block: add tls with mode SIMPLE "
                    + "and a credentialName (the Secret holding its certificate), or mode PASSTHROUGH");
        }
    }

    /** GW202 and GW203: whether a tls block may appear on this port at all. */
    private static boolean allowedOnPort(Server s, GatewayFindings f) {
        String protocol = s.protocolUpper();
        Tls tls = s.tls();
        String path = s.path() + ".tls";
        ServerProtocol known = s.port() == null ? null : s.port().knownProtocol();
        if (known != null && known.plainHttp() && !redirectOrPassthroughOnly(tls)) {
            String what = tls.certificateFields().isEmpty() ? "tls.mode " + tls.modeUpper() + " is"
                    : isOrAre(tls.certificateFields());
            f.add(Code.GW202, path, what + " set on a plain-text " + protocol + " port, where tls may only "
                    + "carry httpsRedirect: change port.protocol to HTTPS to terminate TLS here, or keep only "
                    + "httpsRedirect in tls");
            return false;
        }
        if (known != null && known.opaque()) {
            f.add(Code.GW203, path, "tls is set on a " + protocol + " port, which carries no TLS settings: use "
                    + "port.protocol TLS to terminate or pass through TLS, or remove the tls block");
            return false;
        }
        return true;
    }

    /** A tls block Istio accepts on a plain HTTP port: no certificate fields, and a redirect or (default) passthrough. */
    private static boolean redirectOrPassthroughOnly(Tls tls) {
        return tls.certificateFields().isEmpty()
                && (tls.httpsRedirect() || tls.modeUpper() == null || (tls.tlsMode() != null && tls.tlsMode().passthrough()));
    }

    /** GW204. */
    private static void unsetMode(Tls tls, String path, GatewayFindings f) {
        if (tls.modeUpper() == null && !tls.certificateFields().isEmpty()) {
            f.add(Code.GW204, path + ".mode", isOrAre(tls.certificateFields()) + " set but tls.mode "
                    + "is unset, so Istio treats the server as PASSTHROUGH and ignores it: set tls.mode to SIMPLE "
                    + "(or MUTUAL to verify client certificates)");
        }
    }

    /** GW205: a terminating mode with no certificate, or only half of a file pair. */
    private static void missingCertificate(Tls tls, String path, GatewayFindings f) {
        if (!tls.servesOwnCertificate()) {
            return;
        }
        String mode = tls.tlsMode().name();
        // Plug-in point (later issue): when Gatewarden will assign and provision a credential for this
        // server (MUT902), skip this finding instead of reporting it.
        if (tls.certificateSources().isEmpty()) {
            f.add(Code.GW205, path, "tls.mode is " + mode + " but no certificate is set: add credentialName (a "
                    + "Secret with tls.crt and tls.key in the gateway workload namespace), or serverCertificate "
                    + "and privateKey");
        } else if (tls.certificateSources().equals(List.of("serverCertificate+privateKey"))) {
            boolean hasCert = notEmpty(tls.serverCertificate());
            boolean hasKey = notEmpty(tls.privateKey());
            if (hasCert != hasKey) {
                String set = hasCert ? "serverCertificate" : "privateKey";
                String unset = hasCert ? "privateKey" : "serverCertificate";
                f.add(Code.GW205, path + "." + unset, set + " is set but " + unset + " is empty: set both file "
                        + "paths, or use credentialName instead");
            }
        }
    }

    /** GW206. */
    private static void certificateSources(Tls tls, String path, GatewayFindings f) {
        List<String> sources = tls.certificateSources();
        if (sources.size() > 1) {
            f.add(Code.GW206, path, "several certificate sources are set (" + String.join(", ", sources)
                    + "), but a server takes its certificate from exactly one: keep one and remove the others");
        }
    }

    /** GW207. */
    private static void clientCa(Tls tls, String path, GatewayFindings f) {
        TlsMode mode = tls.tlsMode();
        boolean fileCertificate = notEmpty(tls.serverCertificate()) || notEmpty(tls.privateKey());
        if (mode != null && mode.verifiesClients() && fileCertificate && !notEmpty(tls.caCertificates())) {
            f.add(Code.GW207, path + ".caCertificates", "tls.mode is " + mode + " but caCertificates is empty: set "
                    + "caCertificates to the CA bundle that signs client certificates, or use credentialName with "
                    + "a <name>-cacert secret");
        }
    }

    /**
     * GW217: Istio builds a client validation context for MUTUAL and OPTIONAL_MUTUAL only, so in SIMPLE mode a
     * client CA or client SANs are silently dropped. A {@code ca.crt} key in the credential Secret is not a field
     * here, and is not reported: cert-manager and Gatewarden put one in every TLS secret.
     */
    private static void unverifiedClients(Tls tls, String path, GatewayFindings f) {
        if (tls.tlsMode() != TlsMode.SIMPLE) {
            return;
        }
        List<String> ignored = new ArrayList<>();
        if (notEmpty(tls.caCertificates())) {
            ignored.add("caCertificates");
        }
        if (!tls.subjectAltNames().isEmpty()) {
            ignored.add("subjectAltNames");
        }
        if (ignored.isEmpty()) {
            return;
        }
        String fix = ": set tls.mode to MUTUAL (or OPTIONAL_MUTUAL) to verify client certificates, or remove "
                + String.join(" and ", ignored);
        String fact = "tls.mode is SIMPLE, so " + isOrAre(ignored) + " ignored: the gateway asks clients for no "
                + "certificate";
        f.add(Code.GW217, path + "." + ignored.get(0), fact + " and admits every client (a request without a client "
                + "certificate succeeds; Istio logs nothing)" + fix, fact + fix);
    }

    /** GW208 and GW209: modes that use no certificate of the server's own. */
    private static void ignoredCertificates(Tls tls, String path, GatewayFindings f) {
        TlsMode mode = tls.tlsMode();
        List<String> fields = tls.certificateFields();
        if (mode == null || fields.isEmpty()) {
            return;
        }
        String field = path + "." + fields.get(0);
        String them = fields.size() == 1 ? "it" : "them";
        if (mode == TlsMode.ISTIO_MUTUAL) {
            f.add(Code.GW208, field, "tls.mode is ISTIO_MUTUAL, which uses the mesh's own certificates, but "
                    + isOrAre(fields) + " set: remove " + them + ", or use mode MUTUAL to serve your own certificate");
        } else if (mode.passthrough()) {
            f.add(Code.GW209, field, "tls.mode is " + mode + ", which forwards TLS untouched, so " + isOrAre(fields)
                    + " ignored: remove " + them + ", or use mode SIMPLE to terminate TLS at the gateway");
        }
    }

    /** GW210. */
    private static void autoPassthrough(Server s, Tls tls, String path, GatewayFindings f) {
        if (tls.tlsMode() == TlsMode.AUTO_PASSTHROUGH && s.port().knownProtocol() != ServerProtocol.TLS) {
            f.add(Code.GW210, path + ".mode", "tls.mode AUTO_PASSTHROUGH routes by SNI and only works on protocol "
                    + "TLS, but port.protocol is " + s.protocolUpper() + ": set port.protocol to TLS");
        }
    }

    /** GW211 and GW212. */
    private static void versions(Tls tls, String path, GatewayFindings f) {
        TlsVersion min = concrete(tls.minProtocolVersion());
        TlsVersion max = concrete(tls.maxProtocolVersion());
        String field = path + ".minProtocolVersion";
        if (min != null && max != null && min.compareTo(max) > 0) {
            f.add(Code.GW211, field, "minProtocolVersion " + min + " is above maxProtocolVersion "
                    + max + ", so Envoy rejects the listener: lower minProtocolVersion or raise "
                    + "maxProtocolVersion");
        }
        if (min != null && min.compareTo(TlsVersion.MODERN) < 0 && tls.cipherSuites().isEmpty()) {
            f.add(Code.GW212, field, "minProtocolVersion " + min + " allows legacy TLS with the "
                    + "default cipher list, weak CBC/SHA-1 suites included: raise it to TLSV1_2, or list the "
                    + "cipherSuites you accept");
        }
    }

    /** A comparable version; null for unset, TLS_AUTO or unknown. */
    private static TlsVersion concrete(String v) {
        TlsVersion version = TlsVersion.parse(v);
        return version != null && version.concrete() ? version : null;
    }

    private static boolean carriesTls(Server s) {
        ServerProtocol p = s.port() == null ? null : s.port().knownProtocol();
        return p != null && p.carriesTls();
    }

    /** GW213: every entry and every member of a {@code [A|B]} group must be a known, not yet listed suite. */
    private static void cipherSuites(Tls tls, String path, GatewayFindings f) {
        Map<String, Integer> firstAt = new HashMap<>();
        List<String> suites = tls.cipherSuites();
        for (int k = 0; k < suites.size(); k++) {
            String entry = suites.get(k);
            String field = path + ".cipherSuites[" + k + "]";
            for (String suite : members(entry)) {
                String where = suite.equals(entry) ? "" : " in group " + Messages.quote(entry);
                Integer first = firstAt.putIfAbsent(suite, k);
                if (!CIPHER_SUITES.contains(suite)) {
                    String rest = " is not one Istio supports, so it is ignored: use a BoringSSL name such as "
                            + "ECDHE-RSA-AES128-GCM-SHA256";
                    f.add(Code.GW213, field, "cipher suite " + Messages.quote(suite) + where + rest,
                            "cipher suite " + Messages.quote(suite) + rest);
                } else if (first != null) {
                    f.add(Code.GW213, field, "cipher suite " + Messages.quote(suite) + where + " is already listed "
                            + "at cipherSuites[" + first + "]: remove the duplicate");
                }
            }
        }
    }

    /** The suites of one cipherSuites entry: itself, or the members of an equal-preference group. */
    private static List<String> members(String entry) {
        if (entry.length() >= 2 && entry.startsWith("[") && entry.endsWith("]")) {
            return List.of(entry.substring(1, entry.length() - 1).split("\\|", -1));
        }
        return List.of(entry);
    }

    /** GW214. */
    private static void httpsRedirect(Server s, Tls tls, String path, GatewayFindings f) {
        if (tls.httpsRedirect() && !s.port().knownProtocol().plainHttp()) {
            f.add(Code.GW214, path + ".httpsRedirect", "httpsRedirect only redirects plain-text HTTP and has no "
                    + "effect on this " + s.protocolUpper() + " server: remove it, and set it on the HTTP server "
                    + "(port 80) that should redirect here");
        }
    }

    /** GW215. */
    private static void crl(Tls tls, String path, GatewayFindings f) {
        if (!notEmpty(tls.caCrl())) {
            return;
        }
        List<String> reasons = new ArrayList<>();
        if (tls.tlsMode() == TlsMode.SIMPLE) {
            reasons.add("tls.mode SIMPLE verifies no client certificate, so a CRL has no use: remove caCrl, or use "
                    + "mode MUTUAL");
        }
        if (notEmpty(tls.credentialName()) || !tls.credentialNames().isEmpty()) {
            reasons.add("caCrl cannot be combined with credentialName/credentialNames: put the CRL in the "
                    + "credential Secret (key ca.crl) instead");
        }
        if (!reasons.isEmpty()) {
            f.add(Code.GW215, path + ".caCrl", String.join("; ", reasons));
        }
    }

    /** GW216. */
    private static void certificateCount(Tls tls, String path, GatewayFindings f) {
        tooMany(tls.credentialNames().size(), "credentialNames", path, f);
        tooMany(tls.tlsCertificateCount(), "tlsCertificates", path, f);
    }

    private static void tooMany(int count, String field, String path, GatewayFindings f) {
        if (count > MAX_CERTIFICATES) {
            f.add(Code.GW216, path + "." + field, count + " " + field + " are set, but Istio serves at most "
                    + MAX_CERTIFICATES + " certificates per server (one RSA, one ECDSA): keep at most two");
        }
    }

    /** "credentialName is" or "credentialName, caCertificates are", for messages. */
    private static String isOrAre(List<String> fields) {
        return String.join(", ", fields) + (fields.size() == 1 ? " is" : " are");
    }

    private static boolean notEmpty(String s) {
        return s != null && !s.isEmpty();
    }
}
