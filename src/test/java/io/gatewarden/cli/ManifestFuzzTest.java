package io.gatewarden.cli;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatewarden.facts.RuleSettings;
import io.gatewarden.model.Resource;
import io.gatewarden.rules.Engine;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * {@code gatewarden analyze} on arbitrary files: the reader either rejects the text with a
 * {@link ManifestException} (exit 2, naming file and line) or every rule and the plan run over
 * what it read, in both output formats. Anything else is a failure.
 */
class ManifestFuzzTest {
    static final Engine ENGINE = new Engine(RuleSettings.defaults());
    static final ObjectMapper MAPPER = new ObjectMapper();

    @FuzzTest(maxDuration = "30s")
    void analyze(byte[] file) {
        List<Resource> resources;
        try {
            resources = new ManifestReader("default").read(new String(file, StandardCharsets.UTF_8), "fuzz.yaml");
        } catch (ManifestException bad) {
            assertFalse(bad.getMessage().isBlank());
            return;
        }
        Analysis analysis = Analysis.of(resources, ENGINE);
        assertNotNull(analysis.toText());
        assertNotNull(analysis.toJson(MAPPER));
    }
}
