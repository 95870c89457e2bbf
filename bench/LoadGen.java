// Gatewarden load generator: one file, JDK 17 only.  Run:  java bench/LoadGen.java --url URL --body FILE [options]
//
// A closed loop at fixed concurrency: each of --clients workers owns one TLS keep-alive connection
// (a plain SSLSocket speaking HTTP/1.1: lighter than java.net.http on a 2-core box, where the load
// generator shares the CPU with the server) and POSTs the same AdmissionReview body again as soon as
// the previous answer arrived. Warm-up first (not recorded), then the measured period. Every answer
// must be HTTP 200 carrying "allowed": <expected>; anything else is counted as a failure and makes
// the exit status 1.
//
// Bounded by design: only https://127.0.0.1 targets; duration <= 600 s per phase; at most
// --max-requests measured requests (default 5,000,000) and the same bound on warm-up requests.
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

public class LoadGen {
    static final long MAX_PHASE_SECONDS = 600;
    static final long HARD_MAX_REQUESTS = 5_000_000;

    static String usage() {
        return """
                usage: java bench/LoadGen.java --url https://127.0.0.1:PORT/PATH --body FILE [options]
                  --clients N          concurrent clients, one keep-alive connection each (default 16)
                  --warmup SECONDS     warm-up, not recorded (default 10)
                  --duration SECONDS   measured period (default 20); ends early when --requests is reached
                  --requests N         stop the measured period after N requests in total (default: time only)
                  --max-requests N     safety cap per phase (default 5000000)
                  --ca FILE            PEM CA to trust (default certs-test/ca.crt)
                  --expect true|false|any   required value of response.allowed (default true)
                  --label TEXT         name of this run in the output (default: the URL path)
                  --results FILE       append one tab-separated result line to FILE
                  --show-response      print the first response body (to stderr)
                  --server-pid PID     also report the CPU time (user+sys clock ticks, /proc/PID/stat) the
                                       server process used during the measured period
                """;
    }

    public static void main(String[] args) throws Exception {
        String url = null, body = null, ca = "certs-test/ca.crt", expect = "true", label = null, results = null;
        int clients = 16;
        double warmup = 10, duration = 20;
        long requests = Long.MAX_VALUE, maxRequests = HARD_MAX_REQUESTS;
        boolean showResponse = false;
        long serverPid = -1;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--url" -> url = args[++i];
                case "--body" -> body = args[++i];
                case "--clients" -> clients = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                case "--duration" -> duration = Double.parseDouble(args[++i]);
                case "--requests" -> requests = Long.parseLong(args[++i]);
                case "--max-requests" -> maxRequests = Long.parseLong(args[++i]);
                case "--ca" -> ca = args[++i];
                case "--expect" -> expect = args[++i];
                case "--label" -> label = args[++i];
                case "--results" -> results = args[++i];
                case "--show-response" -> showResponse = true;
                case "--server-pid" -> serverPid = Long.parseLong(args[++i]);
                case "-h", "--help" -> {
                    System.out.print(usage());
                    return;
                }
                default -> die("unknown option " + a + "\n" + usage());
            }
        }
        if (url == null || body == null) {
            die("--url and --body are required\n" + usage());
        }
        URI uri = URI.create(url);
        if (!"https".equals(uri.getScheme()) || !"127.0.0.1".equals(uri.getHost()) || uri.getPort() <= 0) {
            die("only https://127.0.0.1:PORT/... targets are allowed, got " + url);
        }
        if (clients < 1 || clients > 256) {
            die("--clients must be 1..256");
        }
        if (warmup < 0 || warmup > MAX_PHASE_SECONDS || duration <= 0 || duration > MAX_PHASE_SECONDS) {
            die("--warmup must be 0.." + MAX_PHASE_SECONDS + " s and --duration 0.." + MAX_PHASE_SECONDS + " s");
        }
        if (!expect.equals("true") && !expect.equals("false") && !expect.equals("any")) {
            die("--expect must be true, false or any");
        }
        maxRequests = Math.min(Math.max(1, maxRequests), HARD_MAX_REQUESTS);
        requests = Math.min(requests, maxRequests);
        if (label == null) {
            label = uri.getPath();
        }

        byte[] payload = Files.readAllBytes(Path.of(body));
        String path = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + uri.getPort()
                + "\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: " + payload.length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[head.length + payload.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(payload, 0, request, head.length, payload.length);

        SSLSocketFactory factory = sslContext(Path.of(ca)).getSocketFactory();
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", uri.getPort());
        Check check = new Check(expect);

        // Warm-up: same workers, nothing recorded.
        if (warmup > 0) {
            Phase w = new Phase(clients, (long) (warmup * 1e9), maxRequests, false);
            run(w, factory, address, request, check, showResponse);
            System.err.printf(Locale.ROOT, "[%s] warm-up: %d requests in %.1f s, %d failures%n", label, w.done.get(),
                    w.elapsedNanos / 1e9, w.failures.get());
            showResponse = false;
            if (w.failures.get() > 0) {
                System.err.println("[" + label + "] first failure: " + w.firstFailure.get());
                System.exit(1);
            }
        }
        Phase m = new Phase(clients, (long) (duration * 1e9), requests, true);
        m.serverPid = serverPid;
        run(m, factory, address, request, check, showResponse);

        long[] all = m.merged();
        Arrays.sort(all);
        double seconds = m.elapsedNanos / 1e9;
        double rps = all.length / seconds;
        long cpuTicks = m.serverTicksEnd < 0 || m.serverTicksStart < 0 ? -1 : m.serverTicksEnd - m.serverTicksStart;
        String line = String.format(Locale.ROOT, "%s\t%d\t%d\t%.3f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%d\t%d\t%d",
                label, clients, all.length, seconds, rps, us(pct(all, 50)), us(pct(all, 90)), us(pct(all, 99)),
                us(all.length == 0 ? 0 : all[all.length - 1]), us(mean(all)), m.failures.get(), m.reconnects.get(), cpuTicks);
        System.out.printf(Locale.ROOT, "%-28s clients=%d requests=%d time=%.2fs  req/s=%.0f  p50=%.2fms p90=%.2fms "
                        + "p99=%.2fms max=%.2fms mean=%.2fms  failures=%d reconnects=%d%s%n",
                label, clients, all.length, seconds, rps, ms(pct(all, 50)), ms(pct(all, 90)), ms(pct(all, 99)),
                ms(all.length == 0 ? 0 : all[all.length - 1]), ms(mean(all)), m.failures.get(), m.reconnects.get(),
                cpuTicks < 0 ? "" : "  server-cpu-ticks=" + cpuTicks);
        if (results != null) {
            Files.writeString(Path.of(results), line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        if (m.failures.get() > 0) {
            System.err.println("[" + label + "] first failure: " + m.firstFailure.get());
            System.exit(1);
        }
        if (all.length == 0) {
            System.err.println("[" + label + "] no request completed");
            System.exit(1);
        }
    }

    // ------------------------------------------------------------------ phases and workers

    static final class Phase {
        final int clients;
        final long nanos;
        final long limit;
        final boolean record;
        final AtomicLong issued = new AtomicLong();
        final AtomicLong done = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final AtomicLong reconnects = new AtomicLong();
        final AtomicReference<String> firstFailure = new AtomicReference<>();
        final long[][] latencies;
        final int[] counts;
        volatile long deadline;
        long elapsedNanos;
        long serverPid = -1;
        long serverTicksStart = -1;
        long serverTicksEnd = -1;

        Phase(int clients, long nanos, long limit, boolean record) {
            this.clients = clients;
            this.nanos = nanos;
            this.limit = limit;
            this.record = record;
            this.latencies = new long[clients][];
            this.counts = new int[clients];
        }

        /** Claims the right to send one more request: false once the time or the count is used up. */
        boolean next() {
            return System.nanoTime() < deadline && issued.incrementAndGet() <= limit;
        }

        void fail(String why) {
            failures.incrementAndGet();
            firstFailure.compareAndSet(null, why);
        }

        long[] merged() {
            int n = 0;
            for (int c : counts) {
                n += c;
            }
            long[] all = new long[n];
            int at = 0;
            for (int i = 0; i < clients; i++) {
                if (latencies[i] != null) {
                    System.arraycopy(latencies[i], 0, all, at, counts[i]);
                    at += counts[i];
                }
            }
            return all;
        }
    }

    static void run(Phase phase, SSLSocketFactory factory, InetSocketAddress address, byte[] request, Check check,
                    boolean showFirst) throws InterruptedException {
        // Connect and handshake every client first, so the measured period starts with warm connections.
        List<Conn> conns = new ArrayList<>();
        for (int i = 0; i < phase.clients; i++) {
            try {
                conns.add(Conn.open(factory, address));
            } catch (IOException e) {
                die("cannot connect to " + address + ": " + e);
            }
        }
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        AtomicReference<String> shown = new AtomicReference<>(showFirst ? null : "");
        for (int i = 0; i < phase.clients; i++) {
            final int id = i;
            Thread t = new Thread(() -> {
                Conn conn = conns.get(id);
                long[] lat = phase.record ? new long[4096] : null;
                int n = 0;
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                while (phase.next()) {
                    long t0 = System.nanoTime();
                    Response r;
                    try {
                        if (conn == null) {
                            conn = Conn.open(factory, address);
                            phase.reconnects.incrementAndGet();
                        }
                        r = conn.exchange(request);
                    } catch (IOException e) {
                        phase.fail("I/O error: " + e);
                        if (conn != null) {
                            conn.close();
                        }
                        conn = null;
                        continue;
                    }
                    long t1 = System.nanoTime();
                    if (shown.compareAndSet(null, "x")) {
                        System.err.println("first response: HTTP " + r.status + " "
                                + new String(r.body, StandardCharsets.UTF_8));
                    }
                    String problem = check.problem(r);
                    if (problem != null) {
                        phase.fail(problem);
                    } else {
                        phase.done.incrementAndGet();
                        if (lat != null) {
                            if (n == lat.length) {
                                lat = Arrays.copyOf(lat, n * 2);
                            }
                            lat[n++] = t1 - t0;
                        }
                    }
                    if (r.close && conn != null) {
                        conn.close();
                        conn = null;
                    }
                }
                if (conn != null) {
                    conn.close();
                }
                phase.latencies[id] = lat;
                phase.counts[id] = n;
            }, "loadgen-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        phase.serverTicksStart = cpuTicks(phase.serverPid);
        long t0 = System.nanoTime();
        phase.deadline = t0 + phase.nanos;
        start.countDown();
        for (Thread t : threads) {
            // Bounded: a request that hangs past the deadline is given 30 s more, then abandoned.
            t.join(Math.max(1, (phase.deadline - System.nanoTime()) / 1_000_000) + 30_000);
            if (t.isAlive()) {
                phase.fail("a client was still waiting for an answer 30 s after the end of the phase");
            }
        }
        phase.elapsedNanos = System.nanoTime() - t0;
        phase.serverTicksEnd = cpuTicks(phase.serverPid);
    }

    /** utime + stime of a local process in clock ticks (Linux /proc), or -1. */
    static long cpuTicks(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of stat(5)
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    // ------------------------------------------------------------------ checking answers

    static final class Check {
        final String expect;

        Check(String expect) {
            this.expect = expect;
        }

        /** Null when the answer is HTTP 200 with "allowed": expected; otherwise what is wrong. */
        String problem(Response r) {
            String text = new String(r.body, StandardCharsets.UTF_8);
            if (r.status != 200) {
                return "HTTP " + r.status + ": " + abbreviate(text);
            }
            int at = text.indexOf("\"allowed\"");
            if (at < 0) {
                return "no \"allowed\" in the answer: " + abbreviate(text);
            }
            int colon = text.indexOf(':', at + 9);
            String rest = colon < 0 ? "" : text.substring(colon + 1).stripLeading();
            boolean allowed = rest.startsWith("true");
            if (!allowed && !rest.startsWith("false")) {
                return "\"allowed\" is not a boolean: " + abbreviate(text);
            }
            if (!expect.equals("any") && allowed != expect.equals("true")) {
                return "expected allowed=" + expect + ": " + abbreviate(text);
            }
            return null;
        }

        static String abbreviate(String s) {
            return s.length() <= 600 ? s : s.substring(0, 600) + "...";
        }
    }

    // ------------------------------------------------------------------ minimal HTTP/1.1 over TLS

    record Response(int status, byte[] body, boolean close) {
    }

    static final class Conn {
        final SSLSocket socket;
        final InputStream in;
        final OutputStream out;

        private Conn(SSLSocket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream(), 16384);
            this.out = socket.getOutputStream();
        }

        static Conn open(SSLSocketFactory factory, InetSocketAddress address) throws IOException {
            SSLSocket s = (SSLSocket) factory.createSocket();
            s.setTcpNoDelay(true);
            s.setSoTimeout(30_000);
            s.connect(address, 10_000);
            var params = s.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS"); // checks the certificate names 127.0.0.1
            s.setSSLParameters(params);
            s.startHandshake();
            return new Conn(s);
        }

        Response exchange(byte[] request) throws IOException {
            out.write(request);
            out.flush();
            String status = line();
            if (!status.startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP/1.x status line: " + status);
            }
            int code = Integer.parseInt(status.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            boolean close = status.startsWith("HTTP/1.0");
            for (String h = line(); !h.isEmpty(); h = line()) {
                int colon = h.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = h.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "connection" -> close = value.equalsIgnoreCase("close");
                    default -> { }
                }
            }
            byte[] body;
            if (chunked) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                while (true) {
                    String sizeLine = line();
                    int semi = sizeLine.indexOf(';');
                    int size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
                    if (size == 0) {
                        while (!line().isEmpty()) {
                            // trailers
                        }
                        break;
                    }
                    buf.write(in.readNBytes(size));
                    line();
                }
                body = buf.toByteArray();
            } else if (length >= 0) {
                if (length > 64 << 20) {
                    throw new IOException("response too large: " + length);
                }
                body = in.readNBytes((int) length);
                if (body.length != length) {
                    throw new EOFException("connection closed in the middle of a response body");
                }
            } else {
                body = in.readAllBytes();
                close = true;
            }
            return new Response(code, body, close);
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            while (true) {
                int c = in.read();
                if (c < 0) {
                    throw new EOFException("connection closed by the server");
                }
                if (c == '\n') {
                    int n = sb.length();
                    return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
                }
                if (sb.length() > 16384) {
                    throw new IOException("header line too long");
                }
                sb.append((char) c);
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    static SSLContext sslContext(Path caFile) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = new FileInputStream(caFile.toFile())) {
            int i = 0;
            for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca" + i++, (X509Certificate) cert);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    // ------------------------------------------------------------------ statistics

    /** Nearest-rank percentile of sorted nanos. */
    static long pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
    }

    static long mean(long[] values) {
        if (values.length == 0) {
            return 0;
        }
        double sum = 0;
        for (long v : values) {
            sum += v;
        }
        return (long) (sum / values.length);
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }

    static double us(long nanos) {
        return nanos / 1e3;
    }

    static void die(String message) {
        System.err.println("LoadGen: " + message);
        System.exit(2);
    }
}
