package io.gatewarden.admission;

/** A request that is not a well-formed AdmissionReview: answered with HTTP 400 and this message. */
public class BadReviewException extends Exception {
    public BadReviewException(String message) {
        super(message);
    }
}
