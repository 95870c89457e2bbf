package io.gatewarden.kube;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shutdown timings as shipped: the drain delay and in-flight timeout of application.properties
 * ({@code quarkus.shutdown.delay}, {@code quarkus.shutdown.timeout}) and the grace period of k8s/deployment.yaml.
 */
public record ShutdownTimings(Duration delay, Duration timeout, Duration grace) {

    public static ShutdownTimings shipped() {
        try {
            Properties app = new Properties();
            try (InputStream in = Files.newInputStream(Paths.get("src", "main", "resources", "application.properties"))) {
                app.load(in);
            }
            Matcher grace = Pattern.compile("(?m)^\\s*terminationGracePeriodSeconds:\\s*(\\d+)")
                    .matcher(Files.readString(Path.of("k8s", "deployment.yaml")));
            if (!grace.find()) {
                throw new AssertionError("k8s/deployment.yaml sets no terminationGracePeriodSeconds");
            }
            return new ShutdownTimings(duration(app, "quarkus.shutdown.delay"), duration(app, "quarkus.shutdown.timeout"),
                    Duration.ofSeconds(Long.parseLong(grace.group(1))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Duration duration(Properties app, String key) {
        String v = app.getProperty(key);
        if (v == null) {
            throw new AssertionError("application.properties sets no " + key);
        }
        return Duration.parse("PT" + v.trim().toUpperCase());
    }
}
