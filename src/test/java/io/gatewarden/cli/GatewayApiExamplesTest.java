package io.gatewarden.cli;

import java.nio.file.Path;
import java.util.List;

/** examples/gateway-api: the seed's ingress scenario with a Gateway API Gateway and HTTPRoute. */
class GatewayApiExamplesTest extends ExampleScenarioTest {
    @Override
    Path dir() {
        return Path.of("examples/gateway-api");
    }

    @Override
    List<String> clean() {
        return List.of("10-myapp.yaml");
    }

    @Override
    String plan() {
        return "PLAN create-secret myapp/myapp-tls";
    }
}
