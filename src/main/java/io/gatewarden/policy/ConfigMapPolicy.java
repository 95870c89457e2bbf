package io.gatewarden.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatewarden.cluster.ClusterView;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The policy of the settings plus the policy ConfigMaps the view holds (watched in the cluster, read
 * from the files by analyze), in order: the egress ConfigMap of earlier releases, then the policy
 * ConfigMap. Malformed data makes the whole resolution fail: see {@link PolicyWatcher} for the
 * service's last good policy, and analyze's exit status 2.
 */
public final class ConfigMapPolicy implements PolicySource {
    private final Policy base;
    private final String namespace;
    private final List<String> names;

    /** The policy and what is wrong with the ConfigMaps (the policy is the base when anything is). */
    public record Resolution(Policy policy, List<String> errors) {
    }

    /** Thrown by {@link #policy} when a ConfigMap is malformed. */
    public static final class MalformedPolicyException extends RuntimeException {
        MalformedPolicyException(List<String> errors) {
            super(String.join("; ", errors));
        }
    }

    /** @param names ConfigMap names in Gatewarden's namespace, in the order they apply; empty names are skipped */
    public ConfigMapPolicy(Policy base, String namespace, List<String> names) {
        this.base = base;
        this.namespace = namespace;
        this.names = names.stream().filter(n -> n != null && !n.isBlank()).toList();
    }

    public Resolution resolve(ClusterView view) {
        Policy policy = base;
        List<String> errors = new ArrayList<>();
        for (String name : names) {
            for (Resource r : view.resources(Kind.CONFIG_MAP)) {
                if (r.name().equals(name) && r.namespace().equals(namespace)) {
                    PolicyDocument doc = PolicyDocument.parse("ConfigMap " + namespace + "/" + name, data(r));
                    errors.addAll(doc.errors());
                    policy = doc.applyTo(policy);
                }
            }
        }
        return errors.isEmpty() ? new Resolution(policy, List.of()) : new Resolution(base, List.copyOf(errors));
    }

    @Override
    public Policy policy(ClusterView view) {
        Resolution r = resolve(view);
        if (!r.errors().isEmpty()) {
            throw new MalformedPolicyException(r.errors());
        }
        return r.policy();
    }

    /** The string values of a ConfigMap's data; a value of another type is kept as its JSON text. */
    static Map<String, String> data(Resource r) {
        Map<String, String> out = new LinkedHashMap<>();
        JsonNode data = r.body().path("data");
        data.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText()
                : e.getValue().toString()));
        return out;
    }
}
