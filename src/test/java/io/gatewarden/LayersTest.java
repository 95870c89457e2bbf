package io.gatewarden;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The package layers of the main code, lowest first. A package may use only packages on lower
 * layers: so there is no cycle, and the facts every door shares sit below the rules, the demands
 * and the certificate manager. A new package must be placed here, or this test fails.
 */
class LayersTest {
    static final Path MAIN = Path.of("src/main/java/io/gatewarden");
    static final List<Set<String>> LAYERS = List.of(
            Set.of("pki", "diagnostics"),             // PKI, the diagnostic contract
            Set.of("config", "model"),                // settings; resources read once, Istio vocabulary
            Set.of("cluster"),                        // what exists: informers or files; derivation cache
            Set.of("policy"),                         // organisation policy (egress allow-list)
            Set.of("facts"),                          // the derived facts of one evaluation
            Set.of("demands"),                        // which credentials are needed where, renewal chain
            Set.of("rules"),                          // pure rule families
            Set.of("certificates"),                   // the certificate manager
            Set.of("webhook"),                        // the webhook's own TLS (its certificate from the CA)
            Set.of("admission", "cli"));              // the doors
    private static final Pattern REFERENCE = Pattern.compile("\\bio\\.gatewarden\\.([a-z]+)\\.");

    @Test
    void everyPackageUsesOnlyLowerLayers() throws IOException {
        Map<String, Integer> layerOf = new LinkedHashMap<>();
        for (int i = 0; i < LAYERS.size(); i++) {
            for (String p : LAYERS.get(i)) {
                layerOf.put(p, i);
            }
        }
        List<String> violations = new ArrayList<>();
        Set<String> packages = new TreeSet<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = MAIN.relativize(f).getName(0).toString();
                if (f.getParent().equals(MAIN)) {
                    continue;
                }
                packages.add(pkg);
                Integer own = layerOf.get(pkg);
                if (own == null) {
                    violations.add(pkg + ": package not placed in a layer (add it to LayersTest.LAYERS)");
                    continue;
                }
                String[] lines = Files.readString(f).split("\n");
                for (int n = 0; n < lines.length; n++) {
                    Matcher m = REFERENCE.matcher(lines[n]);
                    while (m.find()) {
                        String used = m.group(1);
                        if (used.equals(pkg) || lines[n].trim().startsWith("package ")) {
                            continue;
                        }
                        Integer layer = layerOf.get(used);
                        if (layer == null || layer >= own) {
                            violations.add(MAIN.relativize(f) + ":" + (n + 1) + " (" + pkg + ", layer " + own
                                    + ") uses " + used + " (layer " + layer + ")");
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), violations, "layer violations:\n" + String.join("\n", violations));
        assertEquals(new TreeSet<>(layerOf.keySet()), packages, "LAYERS names packages that do not exist");
    }
}
