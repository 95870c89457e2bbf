package io.gatewarden.pki;

import static org.junit.jupiter.api.Assertions.fail;

import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Checks a certificate the way a TLS client would: the JDK's PKIX path validation, no revocation. */
final class PkiAssertions {

    private PkiAssertions() {
    }

    /** {@code path} is leaf first, without the anchor; {@code anchors} are the trusted roots. */
    static boolean pkixValid(List<X509Certificate> path, List<X509Certificate> anchors, Instant at) {
        try {
            Set<TrustAnchor> trust = new HashSet<>();
            for (X509Certificate a : anchors) {
                trust.add(new TrustAnchor(a, null));
            }
            PKIXParameters params = new PKIXParameters(trust);
            params.setRevocationEnabled(false);
            params.setDate(Date.from(at));
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            CertPathValidator.getInstance("PKIX").validate(cf.generateCertPath(new ArrayList<>(path)), params);
            return true;
        } catch (CertPathValidatorException e) {
            return false;
        } catch (Exception e) {
            return fail(e);
        }
    }
}
