package io.gatewarden.kube;

import io.fabric8.kubeapitest.KubeAPIServerConfig;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubeapitest.binary.BinaryManager;
import io.fabric8.kubeapitest.cert.CertManager;
import io.fabric8.kubeapitest.kubeconfig.KubeConfig;
import io.fabric8.kubeapitest.process.EtcdProcess;
import io.fabric8.kubeapitest.process.KubeAPIServerProcess;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A kube-apiserver and etcd of their own, started as separate processes so that a test can break them
 * one at a time: stop the API server and start it again on the same etcd, freeze etcd (SIGSTOP), cut
 * every connection. Clients reach the API server through a {@link TcpProxy} whose address never changes.
 * Not the shared {@link KubeCluster#get()} cluster: other tests never see these faults.
 */
public final class FaultableControlPlane implements AutoCloseable {
    private final EtcdProcess etcd;
    private final KubeAPIServerProcess apiServer;
    private final TcpProxy proxy;
    private final int etcdPort;
    private final KubeCluster cluster;

    private FaultableControlPlane(Path work) {
        long t0 = System.nanoTime();
        KubeAPIServerConfig config = KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withOfflineMode(true)
                .withTestDir(work.toString())
                .withApiServerVersion(KubeCluster.K8S_VERSION)
                .withUpdateKubeConfig(false)
                .withStartupTimeout(120_000)
                .build();
        BinaryManager binaries = new BinaryManager(config);
        binaries.initAndDownloadIfRequired();
        CertManager certs = new CertManager(work.toString());
        certs.createCertificatesIfNeeded();
        // A stop is what the tests cause: the handlers must not tear the other process down.
        etcd = new EtcdProcess(binaries, p -> { }, true, config.getStartupTimeout());
        apiServer = new KubeAPIServerProcess(certs, binaries, p -> { }, config);
        etcdPort = etcd.startEtcd();
        int apiPort = apiServer.startApiServer(etcdPort);
        apiServer.waitUntilReady();
        proxy = new TcpProxy(apiPort);
        String kubeconfig = new KubeConfig(certs, binaries).generateKubeConfigYaml(proxy.port());
        cluster = KubeCluster.around(this, kubeconfig, work, System.nanoTime() - t0);
    }

    public static FaultableControlPlane start() {
        return new FaultableControlPlane(KubeCluster.prepareWorkDir());
    }

    /** The cluster as clients see it, through the proxy (CRDs installed, kubectl, fabric8 clients). */
    public KubeCluster cluster() {
        return cluster;
    }

    /** Stops kube-apiserver (etcd keeps the data); its address refuses connections. */
    public void stopApiServer() {
        proxy.refuse();
        apiServer.stopApiServer();
    }

    /** Starts kube-apiserver again on the same etcd, behind the same address; returns when it is ready. */
    public void startApiServer() {
        int port = apiServer.startApiServer(etcdPort);
        apiServer.waitUntilReady();
        proxy.retarget(port);
        proxy.listen();
    }

    /** Freezes etcd (SIGSTOP): the API server stays up and its requests hang or time out. */
    public void pauseEtcd() {
        signalEtcd("STOP");
    }

    public void resumeEtcd() {
        signalEtcd("CONT");
    }

    /** Cuts every client connection, watches included, as a load balancer restart would. */
    public void cutConnections() {
        proxy.cut();
    }

    private void signalEtcd(String signal) {
        try {
            var field = EtcdProcess.class.getDeclaredField("etcdProcess");
            field.setAccessible(true);
            long pid = ((Process) field.get(etcd)).pid();
            int rc = new ProcessBuilder("kill", "-" + signal, String.valueOf(pid)).inheritIO().start().waitFor();
            if (rc != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " exited " + rc);
            }
        } catch (ReflectiveOperationException | IOException e) {
            throw new IllegalStateException("cannot signal etcd", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        proxy.close();
        try {
            resumeEtcd();
        } catch (RuntimeException ignored) {
            // not paused, or already gone
        }
        apiServer.stopApiServer();
        etcd.stopEtcd();
    }
}
