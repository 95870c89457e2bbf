package io.gatewarden.policy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatewarden.cluster.StaticClusterView;
import io.gatewarden.model.Resource;
import io.gatewarden.model.TlsVersion;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A malformed policy ConfigMap keeps the last good policy in force and is reported once per change. */
class LastGoodPolicyTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static StaticClusterView withPolicy(Map<String, String> data) {
        ObjectNode cm = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "ConfigMap");
        cm.putObject("metadata").put("name", "gatewarden-policy").put("namespace", "gatewarden");
        data.forEach(cm.putObject("data")::put);
        return new StaticClusterView(List.of(Resource.of(cm, "default", "test")));
    }

    @Test
    void aMalformedConfigMapKeepsTheLastGoodPolicyAndIsReportedOnce() {
        List<List<String>> reports = new ArrayList<>();
        LastGoodPolicy p = new LastGoodPolicy(new ConfigMapPolicy(Policy.none(), "gatewarden",
                List.of("gatewarden-egress-policy", "gatewarden-policy")), Policy.none(), reports::add);

        assertEquals(TlsVersion.TLSV1_3, p.policy(withPolicy(Map.of("tls-min-version", "TLSV1_3"))).tlsFloor());
        assertTrue(p.valid());

        StaticClusterView typo = withPolicy(Map.of("tls-min-version", "TLSV1_3", "credential-ownership", "yes"));
        assertEquals(TlsVersion.TLSV1_3, p.policy(typo).tlsFloor(), "the last good policy, not the settings'");
        assertFalse(p.policy(typo).credentialOwnership());
        assertFalse(p.valid());
        p.policy(typo);
        assertEquals(1, reports.size(), "once per change, not once per evaluation: " + reports);
        assertTrue(reports.get(0).get(0).contains("key credential-ownership: \"yes\" is not true or false"),
                reports.toString());

        Policy fixed = p.policy(withPolicy(Map.of("credential-ownership", "true")));
        assertTrue(fixed.credentialOwnership());
        assertEquals(null, fixed.tlsFloor(), "the fixed ConfigMap is the whole policy again");
        assertTrue(p.valid());
        p.policy(typo);
        assertEquals(2, reports.size(), "the same problem, back after a good version, is reported again");
    }

    @Test
    void beforeAnyGoodConfigMapTheSettingsAreInForce() {
        Policy settings = Policy.none().withEgress(new EgressPolicy(List.of("api.example.com"), Map.of(), false));
        LastGoodPolicy p = new LastGoodPolicy(new ConfigMapPolicy(settings, "gatewarden", List.of("gatewarden-policy")),
                settings, problems -> { });
        assertEquals(settings, p.policy(withPolicy(Map.of("host-ownership", "sometimes"))));
    }
}
