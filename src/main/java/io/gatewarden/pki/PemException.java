package io.gatewarden.pki;

/**
 * A certificate or key could not be read. The message is shown to users, so it says what is
 * wrong in plain words and never contains certificate or key bytes.
 */
public class PemException extends Exception {

    private static final long serialVersionUID = 1L;

    public PemException(String message) {
        super(message);
    }

    public PemException(String message, Throwable cause) {
        super(message, cause);
    }
}
