package io.gatewarden.policy;

import io.gatewarden.cluster.ClusterView;

/** Where an evaluation gets the policy in force: fixed, or the settings plus the policy ConfigMaps of the view. */
@FunctionalInterface
public interface PolicySource {

    Policy policy(ClusterView view);

    static PolicySource fixed(Policy policy) {
        return view -> policy;
    }
}
