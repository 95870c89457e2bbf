package io.gatewarden.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.gatewarden.model.Resource;

import java.util.ArrayList;
import java.util.List;

/** Rule tests' fixtures: YAML documents (multi-document allowed) as resources, namespace default. */
final class TestManifests {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private TestManifests() {
    }

    static List<Resource> resources(String... yamls) throws Exception {
        List<Resource> out = new ArrayList<>();
        for (String yaml : yamls) {
            YAMLParser parser = new YAMLFactory().createParser(yaml);
            for (JsonNode doc : YAML.readValues(parser, JsonNode.class).readAll()) {
                if (doc != null && doc.isObject()) {
                    out.add(Resource.of(doc, "default", "test"));
                }
            }
        }
        return out;
    }
}
