import io.gatewarden.pki.CertificateAuthority;
import io.gatewarden.pki.CertificateIssuer;
import io.gatewarden.pki.IssuedCertificate;
import io.gatewarden.pki.KeyAlgorithm;
import io.gatewarden.pki.LeafRequest;
import io.gatewarden.pki.Pem;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Issuance rate of the certificate manager's leaf path against the bare JCA cost of what it cannot
 * avoid, in one JVM, warmed up, single-threaded. Plain timing loops (JMH is not on the classpath).
 *
 * <pre>
 * java -cp 'BUILD/quarkus-app/app/*:BUILD/quarkus-app/lib/main/*' bench/IssueBench.java \
 *     [--warmup 10] [--duration 3] [--rounds 3] [--breakdown 2] [--min-ops 400] [--results FILE]
 * </pre>
 *
 * Variants:
 * <ul>
 *   <li>{@code bare}: the floor. {@code KeyPairGenerator.getInstance("EC")} initialised for secp256r1,
 *       one key pair, then {@code Signature.getInstance("SHA256withECDSA")} signing ~300 bytes with the
 *       CA's key. New JCA objects per operation, as any thread-safe issuer needs.</li>
 *   <li>{@code issue}: {@code new CertificateIssuer().issue(LeafRequest.server(names), ca, clock)} then
 *       {@code certificatePem()} and {@code keyPem()}: what one Secret's contents cost.</li>
 * </ul>
 * Measured as rounds of bare, issue, issue, bare (ABBA: a linear drift in machine load hits both alike),
 * after an alternating warm-up. Every run lasts {@code --duration} seconds AND at least {@code --min-ops}
 * operations (the warm-up at least 5 × that per variant), because on a loaded machine a fixed time
 * may hold only a handful of operations and leave the JIT cold. Then a breakdown, one run each, to show where the issuance time goes:
 * the bare floor with reused JCA objects, key generation alone (the app's {@code KeyAlgorithm.generate}),
 * one signature alone, {@code issue()} without PEM, and the PEM encoding alone.
 *
 * <p>Per run: operations, wall ns, this thread's CPU ns, bytes allocated by this thread. Results go to
 * {@code --results} as TSV ({@code variant, pass, ops, wall_ns, cpu_ns, alloc_bytes}) and a summary
 * to stdout.
 */
public class IssueBench {

    interface Op {
        int run(int i) throws Exception;
    }

    record Run(String variant, int pass, long ops, long wallNs, long cpuNs, long allocBytes) {
        double usPerOp() {
            return wallNs / 1000.0 / ops;
        }

        double cpuUsPerOp() {
            return cpuNs / 1000.0 / ops;
        }
    }

    static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    static long sink;

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = options(args);
        double warmup = Double.parseDouble(opt.getOrDefault("warmup", "10"));
        double duration = Double.parseDouble(opt.getOrDefault("duration", "3"));
        int rounds = Integer.parseInt(opt.getOrDefault("rounds", "3"));
        double breakdown = Double.parseDouble(opt.getOrDefault("breakdown", "2"));
        int minOps = Integer.parseInt(opt.getOrDefault("min-ops", "400"));
        String results = opt.get("results");
        if (warmup < 0 || warmup > 600 || duration <= 0 || duration > 600 || rounds < 1 || rounds > 50
                || breakdown < 0 || breakdown > 600 || minOps < 1 || minOps > 1_000_000) {
            throw new IllegalArgumentException("out of bounds: warmup/duration/breakdown ≤ 600 s, 1 ≤ rounds ≤ 50, "
                    + "1 ≤ min-ops ≤ 1000000");
        }

        Clock clock = Clock.systemUTC();
        CertificateAuthority ca = CertificateAuthority.create("gatewarden-bench-ca", KeyAlgorithm.EC_P256,
                Duration.ofDays(3650), clock);
        PrivateKey caKey = ca.key();
        CertificateIssuer issuer = new CertificateIssuer();
        // ~300 bytes, like a leaf's to-be-signed part (the real TBS size is printed below)
        byte[] tbs = new byte[300];
        new Random(42).nextBytes(tbs);
        ECGenParameterSpec p256 = new ECGenParameterSpec("secp256r1");

        Op bare = i -> {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(p256);
            KeyPair pair = g.generateKeyPair();
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(caKey);
            tbs[0] = (byte) i;
            s.update(tbs);
            return s.sign().length + pair.getPublic().hashCode();
        };
        Op issue = i -> {
            IssuedCertificate c = issuer.issue(LeafRequest.server(List.of("app-" + i + ".example.com")), ca, clock);
            return c.certificatePem().length() + c.keyPem().length();
        };

        IssuedCertificate sample = issuer.issue(LeafRequest.server(List.of("app-0.example.com")), ca, clock);
        int tbsLen = sample.certificate().getTBSCertificate().length;
        int certPemLen = sample.certificatePem().length();
        int keyPemLen = sample.keyPem().length();

        KeyPairGenerator reusedGen = KeyPairGenerator.getInstance("EC");
        reusedGen.initialize(p256);
        Signature reusedSig = Signature.getInstance("SHA256withECDSA");
        Op bareReused = i -> {
            KeyPair pair = reusedGen.generateKeyPair();
            reusedSig.initSign(caKey);
            tbs[0] = (byte) i;
            reusedSig.update(tbs);
            return reusedSig.sign().length + pair.getPublic().hashCode();
        };
        Op keygen = i -> KeyAlgorithm.EC_P256.generate().getPublic().hashCode();
        Op sign = i -> {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(caKey);
            tbs[0] = (byte) i;
            s.update(tbs);
            return s.sign().length;
        };
        Op issueOnly = i -> issuer.issue(LeafRequest.server(List.of("app-" + i + ".example.com")), ca, clock)
                .certificate().hashCode();
        IssuedCertificate[] pool = new IssuedCertificate[64];
        for (int k = 0; k < pool.length; k++) {
            pool[k] = issuer.issue(LeafRequest.server(List.of("pem-" + k + ".example.com")), ca, clock);
        }
        Op pemOnly = i -> {
            IssuedCertificate c = pool[i & 63];
            return c.certificatePem().length() + c.keyPem().length();
        };

        System.out.printf("IssueBench: JDK %s, %s, %d cores, load average %s; leaf TBS %d bytes, tls.crt PEM %d chars "
                        + "(leaf + CA), tls.key PEM %d chars%n", System.getProperty("java.version"),
                ManagementFactory.getGarbageCollectorMXBeans().get(0).getName(), Runtime.getRuntime().availableProcessors(), loadAverage(), tbsLen, certPemLen, keyPemLen);

        // warm-up: alternate so both paths are compiled before anything is measured
        int slices = 10;
        for (int k = 0; k < slices; k++) {
            measure("warmup", 0, k % 2 == 0 ? bare : issue, warmup / slices, minOps);
        }
        for (Op op : List.of(bareReused, keygen, sign, issueOnly, pemOnly)) {
            measure("warmup", 0, op, Math.min(1.0, breakdown), minOps / 2);
        }

        List<Run> runs = new ArrayList<>();
        for (int r = 1; r <= rounds; r++) {
            runs.add(print(measure("bare", 2 * r - 1, bare, duration, minOps)));
            runs.add(print(measure("issue", 2 * r - 1, issue, duration, minOps)));
            runs.add(print(measure("issue", 2 * r, issue, duration, minOps)));
            runs.add(print(measure("bare", 2 * r, bare, duration, minOps)));
        }
        if (breakdown > 0) {
            runs.add(print(measure("bare-reused", 1, bareReused, breakdown, minOps)));
            runs.add(print(measure("keygen", 1, keygen, breakdown, minOps)));
            runs.add(print(measure("sign", 1, sign, breakdown, minOps)));
            runs.add(print(measure("issue-no-pem", 1, issueOnly, breakdown, minOps)));
            runs.add(print(measure("pem", 1, pemOnly, breakdown, minOps)));
        }

        double bareUs = combined(runs, "bare", false);
        double issueUs = combined(runs, "issue", false);
        double bareCpu = combined(runs, "bare", true);
        double issueCpu = combined(runs, "issue", true);
        System.out.printf("bare %.1f µs/op (%.0f ops/s), issue+PEM %.1f µs/op (%.0f ops/s): time ratio %.2f, "
                        + "CPU ratio %.2f (target ≤ 2)%n", bareUs, 1e6 / bareUs, issueUs, 1e6 / issueUs,
                issueUs / bareUs, issueCpu / bareCpu);
        System.out.println("load average after: " + loadAverage() + (sink == 42 ? "" : ""));

        if (results != null) {
            StringBuilder sb = new StringBuilder();
            sb.append("# tbs_bytes=").append(tbsLen).append(" cert_pem_chars=").append(certPemLen)
                    .append(" key_pem_chars=").append(keyPemLen).append('\n');
            for (Run run : runs) {
                sb.append(run.variant).append('\t').append(run.pass).append('\t').append(run.ops).append('\t')
                        .append(run.wallNs).append('\t').append(run.cpuNs).append('\t').append(run.allocBytes)
                        .append('\n');
            }
            Files.writeString(Path.of(results), sb.toString(), StandardCharsets.UTF_8);
        }
    }

    /** Runs {@code op} in a loop for at least {@code seconds} and {@code minOps} operations (checked every 8). */
    static Run measure(String variant, int pass, Op op, double seconds, int minOps) throws Exception {
        long tid = Thread.currentThread().getId();
        long budget = (long) (seconds * 1e9);
        long a0 = THREADS.getThreadAllocatedBytes(tid);
        long c0 = THREADS.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        long ops = 0;
        long now;
        long acc = 0;
        do {
            for (int k = 0; k < 8; k++) {
                acc += op.run((int) ops++);
            }
            now = System.nanoTime();
        } while (now - t0 < budget || ops < minOps);
        long c1 = THREADS.getCurrentThreadCpuTime();
        long a1 = THREADS.getThreadAllocatedBytes(tid);
        sink += acc;
        return new Run(variant, pass, ops, now - t0, c1 - c0, a1 - a0);
    }

    static Run print(Run r) {
        System.out.printf("  %-13s pass %d: %7d ops in %5.2f s: %8.0f ops/s, %7.1f µs/op, CPU %7.1f µs/op, %6.1f KB/op%n",
                r.variant, r.pass, r.ops, r.wallNs / 1e9, r.ops * 1e9 / r.wallNs, r.usPerOp(), r.cpuUsPerOp(),
                r.allocBytes / 1024.0 / r.ops);
        return r;
    }

    /** µs per op over all runs of a variant: total time / total ops. */
    static double combined(List<Run> runs, String variant, boolean cpu) {
        long ops = 0;
        long ns = 0;
        for (Run r : runs) {
            if (r.variant.equals(variant)) {
                ops += r.ops;
                ns += cpu ? r.cpuNs : r.wallNs;
            }
        }
        return ns / 1000.0 / ops;
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("usage: --warmup S --duration S --rounds N --breakdown S --results FILE");
            }
            m.put(args[i].substring(2), args[++i]);
        }
        return m;
    }
}
