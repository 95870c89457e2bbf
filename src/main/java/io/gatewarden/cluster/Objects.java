package io.gatewarden.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatewarden.model.Kind;
import io.gatewarden.model.Resource;
import io.gatewarden.model.Visibility;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the few facts the rules need out of core objects, the same way for files, informers
 * and admission reviews.
 */
public final class Objects {
    private Objects() {
    }

    /** A Pod's labels and ServiceAccount, or a workload's pod template's; empty for other kinds. */
    public static Optional<Workload> workload(Resource r) {
        Kind kind = Kind.of(r);
        if (kind == Kind.POD) {
            return Optional.of(new Workload(r.namespace(), r.kind(), r.name(), r.labels(), serviceAccount(r.spec())));
        }
        if (kind == Kind.DEPLOYMENT || kind == Kind.STATEFUL_SET || kind == Kind.DAEMON_SET) {
            JsonNode template = r.spec().path("template");
            Map<String, String> labels = Resource.stringMap(template.path("metadata").path("labels"));
            return Optional.of(new Workload(r.namespace(), r.kind(), r.name(), labels,
                    serviceAccount(template.path("spec"))));
        }
        return Optional.empty();
    }

    /** A pod spec's ServiceAccount: {@code serviceAccountName}, else the deprecated {@code serviceAccount}, else default. */
    private static String serviceAccount(JsonNode podSpec) {
        for (String field : new String[] {"serviceAccountName", "serviceAccount"}) {
            String name = podSpec.path(field).asText("");
            if (podSpec.path(field).isTextual() && !name.isEmpty()) {
                return name;
            }
        }
        return Workload.DEFAULT_SERVICE_ACCOUNT;
    }

    public static ServiceInfo service(Resource r) {
        List<ServiceInfo.ServicePort> ports = new ArrayList<>();
        for (JsonNode p : r.spec().path("ports")) {
            if (p.path("port").canConvertToInt()) {
                JsonNode target = p.path("targetPort");
                Integer targetPort = target.isInt() ? Integer.valueOf(target.intValue())
                        : target.isTextual() && target.asText().matches("\\d{1,5}") ? Integer.valueOf(target.asText()) : null;
                ports.add(new ServiceInfo.ServicePort(p.path("port").asInt(), targetPort, p.path("name").asText(null)));
            }
        }
        return new ServiceInfo(r.namespace(), r.name(), Resource.stringMap(r.spec().path("selector")), List.copyOf(ports),
                Visibility.ofAnnotation(r.annotations().get(Visibility.SERVICE_ANNOTATION), r.namespace()));
    }

    /** A Secret with {@code data} decoded from base64 and {@code stringData} merged over it, as the API server does. */
    public static SecretData secret(Resource r) {
        Map<String, byte[]> data = new LinkedHashMap<>();
        r.body().path("data").fields().forEachRemaining(e -> data.put(e.getKey(), decode(e.getValue().asText(""))));
        r.body().path("stringData").fields().forEachRemaining(
                e -> data.put(e.getKey(), e.getValue().asText("").getBytes(StandardCharsets.UTF_8)));
        return new SecretData(r.namespace(), r.name(), r.body().path("type").asText("Opaque"), r.labels(),
                r.annotations(), Map.copyOf(data));
    }

    /** A Secret as the API returns it (data only, base64 already decoded by the JSON mapping's string form). */
    public static SecretData secret(io.fabric8.kubernetes.api.model.Secret s) {
        Map<String, byte[]> data = new LinkedHashMap<>();
        if (s.getData() != null) {
            s.getData().forEach((k, v) -> data.put(k, decode(v == null ? "" : v)));
        }
        var m = s.getMetadata();
        return new SecretData(m.getNamespace(), m.getName(), s.getType() == null ? "Opaque" : s.getType(),
                m.getLabels() == null ? Map.of() : Map.copyOf(m.getLabels()),
                m.getAnnotations() == null ? Map.of() : Map.copyOf(m.getAnnotations()), Map.copyOf(data));
    }

    /** Undecodable base64 reads as empty, which the credential rules then report as missing data. */
    private static byte[] decode(String base64) {
        try {
            return Base64.getMimeDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return new byte[0];
        }
    }
}
