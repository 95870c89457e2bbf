package io.gatewarden.cluster;

import java.util.Map;

/**
 * A Secret's contents, decoded. Never logged or printed: messages name keys, not values.
 */
public record SecretData(String namespace, String name, String type, Map<String, String> labels,
                         Map<String, String> annotations, Map<String, byte[]> data) {

    public static final String MANAGED_LABEL = "gatewarden.io/managed";

    /** Gatewarden modifies or deletes a Secret only when it carries this label. */
    public boolean managed() {
        return "true".equals(labels.get(MANAGED_LABEL));
    }

    /** The value of a key, or null when absent or empty. */
    public byte[] value(String key) {
        byte[] v = data.get(key);
        return v == null || v.length == 0 ? null : v;
    }

    @Override
    public String toString() {
        return "SecretData[" + namespace + "/" + name + ", keys=" + data.keySet() + "]";
    }
}
