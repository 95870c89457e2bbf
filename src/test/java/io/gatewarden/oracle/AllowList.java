package io.gatewarden.oracle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The committed differences with Istio's analyzers, each defended by a one-line reason. A line is
 * {@code CASE FINDING RESOURCE | reason}: CASE a case id ({@code A:gateway-secrets}, {@code B:cases/gw302-x}),
 * FINDING {@code istio:IST0132} (Istio reports it, Gatewarden does not) or {@code gatewarden:RT506}
 * (Gatewarden reports it, Istio does not), RESOURCE {@code Kind/namespace/name}; CASE and RESOURCE may
 * use {@code *}. A Gatewarden-only entry's reason starts "Istio misses this: ", or "Needs mesh config: "
 * (Gatewarden does not read mesh config). Entries that no difference uses are stale and reported, except
 * those whose FINDING ends with {@code ?}: Istio's answer there varies from run to run (an analyzer takes
 * the first of an unordered set), so the difference may or may not show.
 */
final class AllowList {
    static final List<String> GATEWARDEN_ONLY_REASONS = List.of("Istio misses this: ", "Needs mesh config: ");

    record Entry(int line, Pattern caseId, String finding, boolean varies, Pattern resource, String text, String reason) {
        boolean matches(String caseName, String what, String resourceRef) {
            return finding.equals(what) && caseId.matcher(caseName).matches() && resource.matcher(resourceRef).matches();
        }
    }

    private final List<Entry> entries;
    private final Set<Entry> used = new LinkedHashSet<>();

    private AllowList(List<Entry> entries) {
        this.entries = entries;
    }

    static AllowList read(Path file) throws IOException {
        List<Entry> entries = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int bar = line.indexOf(" | ");
            String[] parts = (bar < 0 ? line : line.substring(0, bar)).strip().split("\\s+");
            String reason = bar < 0 ? "" : line.substring(bar + 3).strip();
            String where = file + ":" + (i + 1) + ": ";
            if (parts.length != 3 || reason.isEmpty()) {
                throw new IllegalArgumentException(where + "want 'CASE FINDING RESOURCE | reason', got: " + line);
            }
            if (!parts[1].matches("(istio:IST\\d{4}|gatewarden:[A-Z]{2,3}\\d{3})\\??")) {
                throw new IllegalArgumentException(where + "FINDING is istio:ISTnnnn or gatewarden:CODE (then ? when "
                        + "Istio's answer varies), not " + parts[1]);
            }
            boolean varies = parts[1].endsWith("?");
            String finding = varies ? parts[1].substring(0, parts[1].length() - 1) : parts[1];
            if (finding.startsWith("gatewarden:") && GATEWARDEN_ONLY_REASONS.stream().noneMatch(reason::startsWith)) {
                throw new IllegalArgumentException(where + "a finding only Gatewarden makes is allowed only when "
                        + "Istio misses it or it needs mesh config: the reason starts with one of " + GATEWARDEN_ONLY_REASONS);
            }
            entries.add(new Entry(i + 1, glob(parts[0]), finding, varies, glob(parts[2]),
                    String.join(" ", parts), reason));
        }
        return new AllowList(List.copyOf(entries));
    }

    /** The entry allowing a difference, if one does (the entry is then used). */
    Optional<Entry> allowing(String caseId, String finding, String resource) {
        for (Entry e : entries) {
            if (e.matches(caseId, finding, resource)) {
                used.add(e);
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    List<Entry> entries() {
        return entries;
    }

    List<Entry> unused() {
        return entries.stream().filter(e -> !e.varies() && !used.contains(e)).toList();
    }

    private static Pattern glob(String s) {
        return Pattern.compile(String.join(".*", Arrays.stream(s.split("\\*", -1)).map(Pattern::quote).toList()));
    }
}
