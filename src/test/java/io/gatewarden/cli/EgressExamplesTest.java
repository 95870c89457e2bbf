package io.gatewarden.cli;

import java.nio.file.Path;
import java.util.List;

/** examples/egress: the partner API reached through the egress gateway, with mutual TLS origination. */
class EgressExamplesTest extends ExampleScenarioTest {
    @Override
    Path dir() {
        return Path.of("examples/egress");
    }

    @Override
    List<String> clean() {
        return List.of("00-istio-egressgateway.yaml", "10-partner-api.yaml");
    }

    @Override
    String plan() {
        return "PLAN create-secret istio-system/partner-client";
    }
}
