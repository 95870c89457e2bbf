package io.gatewarden.cli;

import java.util.List;

/** examples/egress: the partner API reached through the egress gateway, with mutual TLS origination. */
class EgressExamplesTest extends ExampleScenarioTest {
    EgressExamplesTest() {
        super("examples/egress", List.of("00-istio-egressgateway.yaml", "10-partner-api.yaml"),
                "PLAN create-secret istio-system/partner-client");
    }
}
