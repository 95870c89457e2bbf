package io.gatewarden.rules;

import io.gatewarden.facts.Facts;
import io.gatewarden.diagnostics.Diagnostic;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;

import java.util.List;

/** A family of checks on one kind of resource: pure, given the facts of one evaluation. */
public interface Rule {

    Kind kind();

    void check(Resource resource, Facts facts, List<Diagnostic> out);
}
