package io.gatewarden.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.gatewarden.policy.PolicyDocument;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** analyze's {@code -p FILE}: the policy keys as a YAML map, or a ConfigMap holding them in its data. */
final class PolicyFile {
    private PolicyFile() {
    }

    static PolicyDocument read(Path file) throws AnalyzeOptions.UsageException {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (IOException e) {
            throw new AnalyzeOptions.UsageException("cannot read policy file " + file + ": " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new AnalyzeOptions.UsageException("policy file " + file + " is not a YAML map of policy keys");
        }
        JsonNode keys = "ConfigMap".equals(root.path("kind").asText()) ? root.path("data") : root;
        Map<String, String> data = new LinkedHashMap<>();
        keys.fields().forEachRemaining(e -> data.put(e.getKey(), e.getValue().isValueNode() ? e.getValue().asText()
                : e.getValue().toString()));
        return PolicyDocument.parse("policy file " + file, data);
    }
}
