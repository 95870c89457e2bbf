package io.gatewarden.certificates;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gatewarden.cluster.SecretData;
import io.gatewarden.cluster.StaticClusterView;
import io.gatewarden.demands.IssuanceReason;
import io.gatewarden.demands.RenewalPolicy;
import io.gatewarden.facts.SecretAssessment;
import io.gatewarden.facts.SecretAssessments;
import io.gatewarden.demands.CredentialDemand;
import io.gatewarden.diagnostics.ObjectRef;
import io.gatewarden.demands.RenewalCheck;
import io.gatewarden.pki.CertificateAuthority;
import io.gatewarden.pki.CertificateIssuer;
import io.gatewarden.pki.IssuedCertificate;
import io.gatewarden.pki.KeyAlgorithm;
import io.gatewarden.pki.LeafRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The manager's check ({@link VerifiedCache}): many secrets are judged in parallel shares and their
 * keys in batches, so the answers must still be the policy's, each in its own place.
 */
class CertificateManagerCheckTest {

    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);
    private static final CertificateAuthority CA =
            CertificateAuthority.create("Gatewarden Test CA", KeyAlgorithm.EC_P256, Duration.ofDays(3650), CLOCK);
    private static final RenewalPolicy POLICY = RenewalPolicy.defaults();

    @Test
    void manySecretsGetThePolicysAnswerInOrderAndOnlyFineOnesAreCached() throws Exception {
        int n = 300; // above two shares of the parallel split
        CertificateIssuer issuer = new CertificateIssuer();
        List<RenewalCheck.Subject> subjects = new ArrayList<>(IntStream.range(0, n).parallel().mapToObj(i -> {
            CredentialDemand d = demand(i);
            IssuedCertificate issued = issuer.issue(new LeafRequest(d.dnsNames(), KeyAlgorithm.EC_P256,
                    Duration.ofDays(90), false, true), CA, CLOCK);
            return new RenewalCheck.Subject(secret(d, issued), d);
        }).toList());
        String otherKey = issuer.issue(LeafRequest.server(List.of("x.example.com")), CA, CLOCK).keyPem();
        for (int i : List.of(0, 5, 149, 150, 151, 299)) { // both ends of every share
            subjects.set(i, new RenewalCheck.Subject(withKey(subjects.get(i).secret(), otherKey), subjects.get(i).demand()));
        }
        subjects.set(200, new RenewalCheck.Subject(subjects.get(200).secret(), demand(9999)));

        VerifiedCache cache = new VerifiedCache(POLICY,
                new StaticClusterView(List.of()).derived().get(SecretAssessments.DERIVATION));
        Instant now = T0.plus(Duration.ofDays(1));
        RenewalCheck check = cache.check(CA.fingerprint(), now);
        List<Optional<IssuanceReason>> expected = subjects.stream()
                .map(s -> POLICY.judge(Optional.of(SecretAssessment.of(s.secret())), s.demand(), CA.fingerprint(), now)
                        .reason()).toList();
        assertEquals(7, expected.stream().filter(Optional::isPresent).count());
        assertEquals(expected, check.reasons(subjects));
        assertEquals(n - 7, cache.size());
        // Again: the fine ones from the cache, the others judged again, same answers.
        assertEquals(expected, check.reasons(subjects));
        assertEquals(List.of(expected.get(5)), check.reasons(List.of(subjects.get(5))));
    }

    private static CredentialDemand demand(int i) {
        String name = String.format("app-%05d", i);
        return new CredentialDemand("istio-system", name + "-tls", List.of(name + ".example.com"), false,
                CredentialDemand.Purpose.SERVER, List.of(ObjectRef.parse("Gateway/team/" + name, "networking.istio.io")), null);
    }

    private static SecretData secret(CredentialDemand d, IssuedCertificate issued) {
        return new SecretData(d.namespace(), d.secretName(), ManagedSecret.TYPE, ManagedSecret.labels(),
                ManagedSecret.annotations(d, issued, CA.fingerprint()), ManagedSecret.data(issued, CA.trustBundle(T0), true));
    }

    private static SecretData withKey(SecretData s, String keyPem) {
        Map<String, byte[]> data = new HashMap<>(s.data());
        data.put(ManagedSecret.TLS_KEY, keyPem.getBytes(StandardCharsets.US_ASCII));
        return new SecretData(s.namespace(), s.name(), s.type(), s.labels(), s.annotations(), data);
    }
}
