package io.gatewarden.cli;

/** Input that cannot be read; the message names the file and line. Exit status 2. */
public class ManifestException extends Exception {
    public ManifestException(String message) {
        super(message);
    }
}
