package io.gatewarden.pki;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/** Loads the committed files in certs-test/ (Maven runs tests from the project root). */
final class Fixtures {

    private Fixtures() {
    }

    static byte[] bytes(String name) {
        try {
            return Files.readAllBytes(Path.of("certs-test", name));
        } catch (IOException e) {
            throw new UncheckedIOException("missing fixture certs-test/" + name
                    + " (run certs-test/make-certs.sh)", e);
        }
    }

    static List<X509Certificate> chain(String name) throws PemException {
        return Pem.certificates(bytes(name + ".crt"));
    }

    static X509Certificate leaf(String name) throws PemException {
        return chain(name).get(0);
    }

    static PrivateKey key(String name) throws PemException {
        return Pem.privateKey(bytes(name + ".key"));
    }
}
