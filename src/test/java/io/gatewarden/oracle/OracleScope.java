package io.gatewarden.oracle;

import io.gatewarden.diagnostics.Code;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which Istio findings Gatewarden answers for, and with which codes: the "istio" column of
 * {@code shared/spec/diagnostics.md}, on the kind each code judges. Istio's IST0101 ("Referenced X not
 * found") covers several conditions, told apart by what it says is missing. An Istio finding outside
 * this table is out of scope (Gatewarden has no rule for it, e.g. IST0101 "subset"); a Gatewarden
 * finding whose code is in no entry goes beyond Istio and is not compared.
 */
final class OracleScope {
    /** One mapped condition; {@code reference} is IST0101's "Referenced X", null for other codes. */
    record Entry(String istioCode, String kind, String reference, Set<Code> codes) {
    }

    static final List<Entry> ENTRIES = List.of(
            new Entry("IST0101", "Gateway", "selector", EnumSet.of(Code.GW301)),
            new Entry("IST0101", "Gateway", "credentialName", EnumSet.of(Code.GW302, Code.GW303, Code.GW312)),
            new Entry("IST0161", "Gateway", null, EnumSet.of(Code.GW304, Code.GW305, Code.GW306)),
            new Entry("IST0145", "Gateway", null, EnumSet.of(Code.GW401)),
            new Entry("IST0138", "Gateway", null, EnumSet.of(Code.GW402)),
            new Entry("IST0162", "Gateway", null, EnumSet.of(Code.GW403)),
            new Entry("IST0101", "VirtualService", "gateway", EnumSet.of(Code.RT501)),
            new Entry("IST0132", "VirtualService", null, EnumSet.of(Code.RT502)),
            new Entry("IST0101", "VirtualService", "host", EnumSet.of(Code.RT506)),
            new Entry("IST0101", "VirtualService", "mirror host", EnumSet.of(Code.RT506)),
            new Entry("IST0101", "VirtualService", "host:port", EnumSet.of(Code.RT507)),
            new Entry("IST0109", "VirtualService", null, EnumSet.of(Code.RT508)),
            new Entry("IST0134", "ServiceEntry", null, EnumSet.of(Code.EG605)),
            new Entry("IST0177", "ServiceEntry", null, EnumSet.of(Code.EG612)),
            new Entry("IST0128", "DestinationRule", null, EnumSet.of(Code.EG606)),
            new Entry("IST0129", "DestinationRule", null, EnumSet.of(Code.EG606)));

    private static final Pattern REFERENCED = Pattern.compile("^Referenced (.+?) not found: \"(.*)\"$");
    private static final Pattern NOT_IN_GATEWAY = Pattern.compile(" not found in Gateway (\\S+)\\.$");

    private OracleScope() {
    }

    /** The entry an Istio finding falls under, if it is in scope. */
    static Optional<Entry> of(IstioOracle.Finding f) {
        String reference = null;
        if (f.code().equals("IST0101")) {
            Matcher m = REFERENCED.matcher(f.message());
            reference = m.matches() ? m.group(1) : "";
        }
        for (Entry e : ENTRIES) {
            if (e.istioCode().equals(f.code()) && e.kind().equals(f.kind())
                    && (e.reference() == null || e.reference().equals(reference))) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /**
     * The Gatewarden codes that answer an in-scope Istio finding. One case is Istio reporting a thing twice:
     * for a VirtualService bound to a Gateway that does not exist it reports IST0101 "gateway" and also
     * IST0132 (none of its hosts is among the missing Gateway's); Gatewarden reports it once, RT501, which
     * then answers both. {@code all} are Istio's findings of the same case.
     */
    static Set<Code> answers(IstioOracle.Finding f, Entry e, List<IstioOracle.Finding> all) {
        Matcher gateway = NOT_IN_GATEWAY.matcher(f.message());
        if (!f.code().equals("IST0132") || !gateway.find()) {
            return e.codes();
        }
        for (IstioOracle.Finding g : all) {
            Matcher m = REFERENCED.matcher(g.message());
            if (g.code().equals("IST0101") && g.resource().equals(f.resource()) && m.matches()
                    && m.group(1).equals("gateway") && gatewayRef(m.group(2), f.namespace()).equals(gateway.group(1))) {
                EnumSet<Code> codes = EnumSet.copyOf(e.codes());
                codes.add(Code.RT501);
                return codes;
            }
        }
        return e.codes();
    }

    /** A gateway reference as Istio's analyzer reads it (resource.NewShortOrFullName). */
    private static String gatewayRef(String ref, String namespace) {
        return ref.contains("/") ? ref : namespace + "/" + ref;
    }

    /** Whether a Gatewarden code answers some Istio finding (and so is compared). */
    static boolean compared(Code code) {
        return ENTRIES.stream().anyMatch(e -> e.codes().contains(code));
    }
}
