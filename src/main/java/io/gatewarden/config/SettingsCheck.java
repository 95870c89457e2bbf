package io.gatewarden.config;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;

import java.util.List;

/**
 * Refuses to start with settings that break a rule ({@link Settings#problems}): before anything else
 * starts, the service stops with exit status 1 and the problems, one a line, as its only output
 * (Quarkus prints a ConfigurationException's message alone, without a stack trace). Settings are
 * read once; a change takes effect, and is checked, on restart.
 */
@ApplicationScoped
public class SettingsCheck {
    @Inject
    GatewardenConfig config;

    void check(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        List<String> problems = Settings.problems(config);
        if (!problems.isEmpty()) {
            throw new ConfigurationException(message(problems));
        }
    }

    public static String message(List<String> problems) {
        return "Gatewarden cannot start: " + (problems.size() == 1 ? "a setting breaks a rule" : problems.size()
                + " settings break rules") + " (see README, Settings):\n  - " + String.join("\n  - ", problems);
    }
}
