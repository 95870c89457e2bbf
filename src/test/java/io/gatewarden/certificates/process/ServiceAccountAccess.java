package io.gatewarden.certificates.process;

import io.gatewarden.kube.KubeCluster;
import io.gatewarden.kube.Kubectl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;

/**
 * Gatewarden's own identity on the test API server, as a user installs it: the real
 * {@code k8s/namespace.yaml}, {@code k8s/serviceaccount.yaml} and {@code k8s/rbac.yaml} applied with
 * kubectl, and a kubeconfig holding a token of that ServiceAccount ({@code kubectl create token}) with
 * the API server's URL and CA.
 */
public final class ServiceAccountAccess {
    public static final Path K8S = Paths.get("k8s");
    public static final List<String> INSTALL = List.of("namespace.yaml", "serviceaccount.yaml", "rbac.yaml");
    public static final String NAMESPACE = "gatewarden";
    public static final String SERVICE_ACCOUNT = "gatewarden";
    public static final String USER = "system:serviceaccount:" + NAMESPACE + ":" + SERVICE_ACCOUNT;

    private ServiceAccountAccess() {
    }

    /** {@code kubectl apply -f} each file of {@link #INSTALL} from {@code k8s/}, then waits until the grants apply. */
    public static void install(KubeCluster cluster) {
        for (String file : INSTALL) {
            cluster.kubectl("apply", "-f", K8S.resolve(file).toString()).assertOk();
        }
        // Only that the bindings took effect: which verbs they grant is what the tests find out.
        awaitCanI(cluster, true, "get", "leases.coordination.k8s.io", "-n", NAMESPACE);
        awaitCanI(cluster, true, "create", "secrets", "-n", "istio-system");
    }

    /** Polls {@code kubectl auth can-i ... --as=<the ServiceAccount>} (the authorizer caches RBAC) until it answers {@code allowed}. */
    public static void awaitCanI(KubeCluster cluster, boolean allowed, String... check) {
        String[] args = new String[check.length + 3];
        args[0] = "auth";
        args[1] = "can-i";
        System.arraycopy(check, 0, args, 2, check.length);
        args[args.length - 1] = "--as=" + USER;
        Await.until("can-i " + String.join(" ", check) + " = " + allowed, Duration.ofSeconds(30),
                Duration.ofMillis(100), () -> cluster.kubectl(args), r -> r.stdout().trim().equals(allowed ? "yes" : "no"));
    }

    /** A kubeconfig file for the ServiceAccount: the API server's URL and CA, a fresh token (valid 2 h). */
    public static String kubeconfig(KubeCluster cluster, Path file) {
        Kubectl.Result token = cluster.kubectl("create", "token", SERVICE_ACCOUNT, "-n", NAMESPACE, "--duration=2h")
                .assertOk();
        String yaml = cluster.kubeconfig(SERVICE_ACCOUNT, "{token: \"" + token.stdout().trim() + "\"}");
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, yaml, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + file, e);
        }
        return file.toAbsolutePath().toString();
    }
}
