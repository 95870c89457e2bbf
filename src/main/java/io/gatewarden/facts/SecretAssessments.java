package io.gatewarden.facts;

import io.gatewarden.cluster.Derivation;
import io.gatewarden.cluster.SecretData;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * The assessment of each Secret version, made once and shared by every evaluation and by the
 * certificate manager. A version is the {@link SecretData} object the view holds (a cache replaces
 * it on every change), so nothing is ever invalidated: an entry goes when its version is no longer
 * referenced. Reads no kind: the Secrets come from the caller.
 */
public final class SecretAssessments {
    public static final Derivation<SecretAssessments> DERIVATION =
            Derivation.of("secret assessments", Set.of(), source -> new SecretAssessments());

    // SecretData compares its byte arrays by identity, so equal keys are the same version.
    private final Map<SecretData, SecretAssessment> byVersion = Collections.synchronizedMap(new WeakHashMap<>());

    private SecretAssessments() {
    }

    public SecretAssessment of(SecretData secret) {
        return all(List.of(secret)).get(0);
    }

    /** Assessments in order; versions not seen before are assessed together (one batched key test). */
    public List<SecretAssessment> all(List<SecretData> secrets) {
        List<SecretAssessment> out = new ArrayList<>(secrets.size());
        List<SecretData> misses = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        for (SecretData s : secrets) {
            SecretAssessment known = byVersion.get(s);
            if (known == null) {
                at.add(out.size());
                misses.add(s);
            }
            out.add(known);
        }
        List<SecretAssessment> fresh = SecretAssessment.assessAll(misses);
        for (int i = 0; i < misses.size(); i++) {
            byVersion.put(misses.get(i), fresh.get(i));
            out.set(at.get(i), fresh.get(i));
        }
        return out;
    }
}
