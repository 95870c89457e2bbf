package io.gatewarden.certificates;

import io.gatewarden.pki.CertificateAuthority;

/** What {@link CaStore} reports, as metrics and as Events on the CA Secret. */
final class CaSignals implements CaStore.Listener {
    private final CertificateMetrics metrics;
    private final CertificateEvents events;
    private final String namespace;
    private final String name;

    CaSignals(CertificateMetrics metrics, CertificateEvents events, String namespace, String name) {
        this.metrics = metrics;
        this.events = events;
        this.namespace = namespace;
        this.name = name;
    }

    @Override
    public void written(boolean created, CertificateAuthority ca) {
        metrics.caWritten(created);
        events.onCaSecret(namespace, name, false, created ? "CaCreated" : "CaRotated",
                (created ? "Created" : "Rotated") + " the issuing CA (SHA-256 " + ca.fingerprint() + "), valid until "
                        + ca.certificate().getNotAfter().toInstant() + "; certificates are re-issued under it");
    }

    @Override
    public void refused(String message) {
        metrics.caRefused();
        events.onCaSecret(namespace, name, true, "CaRotationRefused", message);
    }

    @Override
    public void unavailable(String message) {
        events.onCaSecret(namespace, name, true, "IssuingCaUnavailable", message);
    }

    @Override
    public void available(boolean available) {
        metrics.caAvailable(available);
    }
}
