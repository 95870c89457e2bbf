package io.gatewarden.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatewarden.policy.ConfigMapPolicy;
import io.gatewarden.rules.Engine;

import java.io.PrintStream;
import java.util.List;

/** {@code gatewarden analyze}: the admission rules, offline, over manifest files. */
public final class AnalyzeCommand {
    private AnalyzeCommand() {
    }

    /** Runs analyze and returns the exit status (0 clean, 1 errors found, 2 bad usage or input). */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        AnalyzeOptions options;
        try {
            options = AnalyzeOptions.parse(args);
        } catch (AnalyzeOptions.UsageException e) {
            err.println("gatewarden analyze: " + e.getMessage());
            err.println(AnalyzeOptions.USAGE);
            return 2;
        }
        if (options.help()) {
            out.println(AnalyzeOptions.USAGE);
            return 0;
        }
        Analysis analysis;
        try {
            analysis = Analysis.of(new ManifestReader(options.namespace()).read(options.paths()),
                    new Engine(options.settings()));
        } catch (ManifestException | AnalyzeOptions.UsageException | ConfigMapPolicy.MalformedPolicyException e) {
            err.println("gatewarden analyze: " + e.getMessage());
            return 2;
        }
        if (options.json()) {
            ObjectMapper mapper = new ObjectMapper();
            out.println(analysis.toJson(mapper).toPrettyString());
        } else {
            out.print(analysis.toText());
        }
        return analysis.hasErrors() ? 1 : 0;
    }
}
