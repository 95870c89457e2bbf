package io.gatewarden.certificates.process;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One HTTP/1.1 connection to Gatewarden's webhook port, kept open across requests: a review can be sent whole
 * ({@link #send}) or in two parts ({@link #start}, then {@link #finish}) to have it in flight at a chosen moment.
 */
public final class ReviewConnection implements AutoCloseable {
    /** An answer: status, whether the server asked to close the connection, the body. */
    public record Answer(int status, boolean connectionClose, String body) {
    }

    private final SSLSocket socket;
    private final int port;

    public ReviewConnection(SSLContext tls, int port) throws IOException {
        this.port = port;
        socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port);
        socket.setSoTimeout(30_000);
        socket.startHandshake();
    }

    /** The certificate the server presented in this connection's handshake. */
    public X509Certificate servedCertificate() throws IOException {
        return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }

    /** A validating AdmissionReview of a Gateway with one HTTPS server for {@code <uid>.example.com} and no tls (GW201). */
    public static byte[] gatewayWithoutTls(String uid) {
        return ("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"" + uid
                + "\",\"kind\":{\"group\":\"networking.istio.io\",\"version\":\"v1\",\"kind\":\"Gateway\"},"
                + "\"operation\":\"CREATE\",\"namespace\":\"default\",\"object\":{\"apiVersion\":\"networking.istio.io/v1\","
                + "\"kind\":\"Gateway\",\"metadata\":{\"name\":\"gw\"},\"spec\":{\"selector\":{\"istio\":\"ingressgateway\"},"
                + "\"servers\":[{\"port\":{\"number\":443,\"name\":\"https\",\"protocol\":\"HTTPS\"},\"hosts\":[\"" + uid
                + ".example.com\"]}]}}}}").getBytes(StandardCharsets.UTF_8);
    }

    /** Sends the headers of POST /validate and the first {@code upTo} bytes of {@code body}. */
    public void start(byte[] body, int upTo) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(("POST /validate HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body, 0, upTo);
        out.flush();
    }

    /** Sends the rest of {@code body} from {@code from} and reads the answer. */
    public Answer finish(byte[] body, int from) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(body, from, body.length - from);
        out.flush();
        InputStream in = socket.getInputStream();
        String head = readHead(in);
        Matcher length = Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(head);
        boolean close = Pattern.compile("(?im)^connection:\\s*close").matcher(head).find();
        byte[] content = length.find() ? in.readNBytes(Integer.parseInt(length.group(1))) : in.readAllBytes();
        return new Answer(Integer.parseInt(head.substring(9, 12)), close, new String(content, StandardCharsets.UTF_8));
    }

    public Answer send(byte[] body) throws IOException {
        start(body, 0);
        return finish(body, 0);
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after " + head.size() + " bytes of headers: " + head);
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** TLS trusting only the CA in {@code caPem}. */
    public static SSLContext trusting(Path caPem) throws IOException, GeneralSecurityException {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caPem)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** TLS accepting any server certificate: for tests that look at which certificate is served. */
    public static SSLContext trustingAnything() throws GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return ctx;
    }
}
