package io.gatewarden.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.gatewarden.model.Resource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads Kubernetes manifests from files and directories: YAML (multi-document) and JSON,
 * {@code kind: List} unpacked. Objects without apiVersion/kind are skipped like unknown kinds.
 */
public final class ManifestReader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final String defaultNamespace;

    public ManifestReader(String defaultNamespace) {
        this.defaultNamespace = defaultNamespace;
    }

    /** Every manifest under the paths; directories recursively, files in name order. */
    public List<Resource> read(List<Path> paths) throws ManifestException {
        List<Resource> out = new ArrayList<>();
        for (Path p : paths) {
            if (!Files.exists(p)) {
                throw new ManifestException(p + ": no such file or directory");
            }
            for (Path file : files(p)) {
                try {
                    out.addAll(read(Files.readString(file, StandardCharsets.UTF_8), file.toString()));
                } catch (IOException e) {
                    throw new ManifestException(file + ": cannot read: " + e.getMessage());
                }
            }
        }
        return out;
    }

    private static List<Path> files(Path p) throws ManifestException {
        if (!Files.isDirectory(p)) {
            return List.of(p);
        }
        try (Stream<Path> walk = Files.walk(p)) {
            return walk.filter(Files::isRegularFile).filter(ManifestReader::isManifest).sorted().toList();
        } catch (IOException e) {
            throw new ManifestException(p + ": cannot list: " + e.getMessage());
        }
    }

    static boolean isManifest(Path f) {
        String n = f.getFileName().toString();
        return n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json");
    }

    /** Parses one file's text; {@code origin} names it in messages. JSON is read as YAML (a subset). */
    public List<Resource> read(String text, String origin) throws ManifestException {
        List<Resource> out = new ArrayList<>();
        try (JsonParser parser = YAML.getFactory().createParser(text)) {
            while (parser.nextToken() != null) {
                int line = parser.currentTokenLocation().getLineNr();
                JsonNode doc = YAML.readTree(parser);
                add(doc, origin + ":" + line, out);
            }
        } catch (StreamConstraintsException e) {
            throw new ManifestException(origin + ": exceeds a parsing limit: " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            throw new ManifestException(origin + (loc == null ? "" : ":" + loc.getLineNr()) + ": not valid YAML or JSON: "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ManifestException(origin + ": " + e.getMessage());
        }
        return out;
    }

    private void add(JsonNode doc, String origin, List<Resource> out) throws ManifestException {
        if (doc == null || !doc.isObject()) {
            if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                throw new ManifestException(origin + ": a manifest must be an object with apiVersion and kind, not "
                        + doc.getNodeType().name().toLowerCase());
            }
            return;
        }
        if (doc.path("kind").asText("").endsWith("List") && doc.path("items").isArray()) {
            for (JsonNode item : doc.get("items")) {
                add(item, origin, out);
            }
            return;
        }
        if (doc.hasNonNull("kind") && doc.hasNonNull("apiVersion")) {
            out.add(Resource.of(doc, defaultNamespace, origin));
        }
    }
}
