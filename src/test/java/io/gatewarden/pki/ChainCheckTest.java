package io.gatewarden.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

class ChainCheckTest {

    @Test
    void goodChainsHaveNoProblems() throws Exception {
        for (String name : List.of("valid", "valid-chain", "wildcard", "multi", "expired", "notyetvalid",
                "wrongsan", "mismatch", "rsa1024", "rsa2048", "sha1", "p384", "server", "ca", "intermediate")) {
            assertEquals(List.of(), ChainCheck.problems(Fixtures.chain(name)), name);
        }
    }

    @Test
    void leafIntermediateAndRootIsFine() throws Exception {
        List<X509Certificate> full = new ArrayList<>(Fixtures.chain("valid-chain"));
        full.add(Fixtures.leaf("ca"));
        assertEquals(List.of(), ChainCheck.problems(full));
    }

    @Test
    void leafWithItsRootIsFine() throws Exception {
        assertEquals(List.of(), ChainCheck.problems(List.of(Fixtures.leaf("valid"), Fixtures.leaf("ca"))));
    }

    @Test
    void brokenChainIsReported() throws Exception {
        List<String> problems = ChainCheck.problems(Fixtures.chain("brokenchain"));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith(
                "certificate 1 (CN=myapp.example.com) is not issued by certificate 2 (CN=Unrelated Test CA)"),
                problems.get(0));
        assertTrue(problems.get(0).contains("CN=Gatewarden Test Intermediate CA is not in the file"), problems.get(0));
    }

    @Test
    void missingIntermediateShowsAsABrokenLink() throws Exception {
        // Leaf issued by the intermediate, followed directly by the root.
        List<X509Certificate> chain = List.of(Fixtures.chain("valid-chain").get(0), Fixtures.leaf("ca"));
        List<String> problems = ChainCheck.problems(chain);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("certificate 1 (CN=myapp.example.com) is not issued by"
                + " certificate 2 (CN=Gatewarden Test Root CA)"), problems.get(0));
        assertTrue(problems.get(0).contains("an intermediate may be missing"), problems.get(0));
    }

    @Test
    void leafNotFirstIsReportedAlone() throws Exception {
        List<X509Certificate> reversed = List.of(Fixtures.chain("valid-chain").get(1), Fixtures.chain("valid-chain").get(0));
        List<String> problems = ChainCheck.problems(reversed);
        assertEquals(List.of("certificate 1 (CN=Gatewarden Test Intermediate CA) is a CA certificate but"
                + " certificate 2 (CN=myapp.example.com) is not: the server (leaf) certificate must come first"),
                problems);
    }

    @Test
    void misorderedIntermediatesPointToTheRightPosition() throws Exception {
        List<X509Certificate> chain = List.of(
                Fixtures.chain("valid-chain").get(0), Fixtures.leaf("ca"), Fixtures.leaf("intermediate"));
        List<String> problems = ChainCheck.problems(chain);
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("its issuer is certificate 3"), problems.get(0));
        assertEquals("certificate 2 (CN=Gatewarden Test Root CA) is not issued by certificate 3"
                + " (CN=Gatewarden Test Intermediate CA) (it is a self-signed root, which can only come last)",
                problems.get(1));
    }

    @Test
    void sameNameButWrongSignatureIsReported() throws Exception {
        // An impostor root: the right name, another key. Only the signature check can tell.
        KeyPair pair = KeyPairGenerator.getInstance("EC").generateKeyPair();
        X500Principal name = new X500Principal("CN=Gatewarden Test Root CA");
        var builder = new JcaX509v3CertificateBuilder(name, BigInteger.TEN,
                new Date(0), new Date(4_000_000_000_000L), name, pair.getPublic());
        X509Certificate impostor = new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));

        List<String> problems = ChainCheck.problems(List.of(Fixtures.leaf("valid"), impostor));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("certificate 1 (CN=myapp.example.com) is not issued by"
                + " certificate 2 (CN=Gatewarden Test Root CA)"), problems.get(0));
        assertTrue(problems.get(0).contains("signature does not verify"), problems.get(0));
    }

    @Test
    void emptyChainIsAProblem() {
        assertEquals(List.of("no certificate in the chain"), ChainCheck.problems(List.of()));
    }
}
