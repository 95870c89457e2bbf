package io.gatewarden.policy;

import io.gatewarden.cluster.ClusterView;

import java.util.List;
import java.util.function.Consumer;

/**
 * The policy ConfigMaps resolved on every evaluation, keeping the last good policy while they are
 * malformed: a typo in a ConfigMap must not switch the organisation's policy off, nor deny every
 * request. Each new set of problems is handed to {@code onProblems} once (not once per evaluation).
 */
public final class LastGoodPolicy implements PolicySource {
    private final ConfigMapPolicy source;
    private final Consumer<List<String>> onProblems;
    private volatile Policy lastGood;
    private volatile List<String> reported = List.of();

    /** @param base the policy of the settings: in force until a good ConfigMap is seen */
    public LastGoodPolicy(ConfigMapPolicy source, Policy base, Consumer<List<String>> onProblems) {
        this.source = source;
        this.lastGood = base;
        this.onProblems = onProblems;
    }

    @Override
    public Policy policy(ClusterView view) {
        ConfigMapPolicy.Resolution r = source.resolve(view);
        if (r.errors().isEmpty()) {
            lastGood = r.policy();
            reported = List.of();
            return r.policy();
        }
        report(r.errors());
        return lastGood;
    }

    /** False while the ConfigMaps last seen are malformed. */
    public boolean valid() {
        return reported.isEmpty();
    }

    private synchronized void report(List<String> problems) {
        if (!problems.equals(reported)) {
            reported = problems;
            onProblems.accept(problems);
        }
    }
}
