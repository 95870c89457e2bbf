package io.gatewarden.rules;

import io.gatewarden.diagnostics.Code;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.facts.Facts;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;

import java.util.List;
import java.util.Set;

/**
 * A family of checks on one kind of resource: pure, given the facts of one evaluation. Each family
 * declares what it reports and what it reads, as Istio's analyzers declare their inputs; a test holds
 * the declarations against what the families do over the golden corpus.
 */
public interface Rule {

    /** The kind it judges. */
    Kind kind();

    /** Every code it may report. */
    Set<Code> codes();

    /**
     * Every kind it reads from the cluster view, directly or through derivations (its own kind when it
     * reads stored objects of that kind, as the shared parse of the stored objects does).
     */
    Set<Kind> reads();

    void check(Resource resource, Facts facts, List<Diagnostic> out);

    default String name() {
        return getClass().getSimpleName();
    }
}
