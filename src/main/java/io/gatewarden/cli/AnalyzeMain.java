package io.gatewarden.cli;

import java.util.Arrays;

/**
 * Entry point for {@code bin/gatewarden analyze}: plain Java, no Quarkus boot, so analyze
 * opens no port, reads no kubeconfig and starts in a fraction of a second.
 */
public final class AnalyzeMain {
    private AnalyzeMain() {
    }

    public static void main(String[] args) {
        System.exit(AnalyzeCommand.run(Arrays.asList(args), System.out, System.err));
    }
}
