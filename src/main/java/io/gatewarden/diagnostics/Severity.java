package io.gatewarden.diagnostics;

/** How a finding is acted on: errors deny admission and fail {@code analyze}. */
public enum Severity {
    ERROR("error"), WARNING("warning"), INFO("info");

    private final String label;

    Severity(String label) {
        this.label = label;
    }

    /** The lower-case word used in JSON output and Events. */
    public String label() {
        return label;
    }
}
