package io.gatewarden.cli;

import java.util.List;

/** examples/gateway-api: the seed's ingress scenario with a Gateway API Gateway and HTTPRoute. */
class GatewayApiExamplesTest extends ExampleScenarioTest {
    GatewayApiExamplesTest() {
        super("examples/gateway-api", List.of("10-myapp.yaml"), "PLAN create-secret myapp/myapp-tls");
    }
}
