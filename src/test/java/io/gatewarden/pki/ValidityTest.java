package io.gatewarden.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ValidityTest {

    private static final Instant NOW = Instant.now();

    @Test
    void expiredCertificate() throws Exception {
        assertEquals(Optional.of("expired at 2001-01-01T00:00:00Z"), Validity.problem(Fixtures.leaf("expired"), NOW));
    }

    @Test
    void notYetValidCertificate() throws Exception {
        assertEquals(Optional.of("not valid before 2090-01-01T00:00:00Z"),
                Validity.problem(Fixtures.leaf("notyetvalid"), NOW));
        // ... which becomes valid in its window and expires after it.
        assertEquals(Optional.empty(),
                Validity.problem(Fixtures.leaf("notyetvalid"), Instant.parse("2095-06-01T00:00:00Z")));
        assertEquals(Optional.of("expired at 2099-01-01T00:00:00Z"),
                Validity.problem(Fixtures.leaf("notyetvalid"), Instant.parse("2099-01-01T00:00:01Z")));
    }

    @Test
    void boundsAreInclusive() throws Exception {
        var expired = Fixtures.leaf("expired");
        assertEquals(Optional.empty(), Validity.problem(expired, Instant.parse("2000-01-01T00:00:00Z")));
        assertEquals(Optional.empty(), Validity.problem(expired, Instant.parse("2001-01-01T00:00:00Z")));
        assertEquals(Optional.of("not valid before 2000-01-01T00:00:00Z"),
                Validity.problem(expired, Instant.parse("1999-12-31T23:59:59Z")));
    }

    @Test
    void everythingElseIsValidNow() throws Exception {
        for (String name : List.of("valid", "valid-chain", "wildcard", "multi", "wrongsan", "mismatch",
                "brokenchain", "rsa1024", "rsa2048", "sha1", "p384", "server", "ca", "intermediate", "rsaca")) {
            assertEquals(Optional.empty(), Validity.problem(Fixtures.leaf(name), NOW), name);
        }
    }
}
