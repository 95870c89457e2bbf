package io.gatewarden.oracle;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The allow-list's grammar: every entry has a reason, a Gatewarden-only one a defended one, and unused entries show. */
class AllowListTest {
    @TempDir
    Path dir;

    private AllowList read(String text) throws Exception {
        Path file = dir.resolve("allow-list.txt");
        Files.writeString(file, text);
        return AllowList.read(file);
    }

    @Test
    void entriesMatchByCaseFindingAndResourceWithGlobs() throws Exception {
        AllowList list = read("""
                # comment
                B:cases/gw312-* istio:IST0101 Gateway/*/my-gateway | istiod strips kubernetes://
                A:x gatewarden:GW401 Gateway/ns/a | Istio misses this: hosts compared as written
                """);
        assertTrue(list.allowing("B:cases/gw312-silent-sds-prefix", "istio:IST0101", "Gateway/default/my-gateway").isPresent());
        assertTrue(list.allowing("B:cases/gw312-x", "istio:IST0132", "Gateway/default/my-gateway").isEmpty());
        assertTrue(list.allowing("B:cases/gw313-x", "istio:IST0101", "Gateway/default/my-gateway").isEmpty());
        assertEquals(List.of(3), list.unused().stream().map(AllowList.Entry::line).toList());
    }

    @Test
    void everyEntryNeedsAReasonAndAGatewardenOnlyOneADefendedReason() {
        assertThrows(IllegalArgumentException.class, () -> read("A:x istio:IST0101 Gateway/a/b\n"));
        assertThrows(IllegalArgumentException.class, () -> read("A:x istio:IST0101 Gateway/a/b | \n"));
        assertThrows(IllegalArgumentException.class, () -> read("A:x GW401 Gateway/a/b | why\n"));
        assertThrows(IllegalArgumentException.class, () -> read("A:x gatewarden:GW401 Gateway/a/b | we like it\n"));
    }

    @Test
    void anEntryWhereIstiosAnswerVariesIsNeverStale() throws Exception {
        AllowList list = read("B:x gatewarden:GW302? Gateway/*/* | Istio misses this: it takes the first pod it meets\n");
        assertEquals(List.of(), list.unused());
        assertTrue(list.allowing("B:x", "gatewarden:GW302", "Gateway/default/gw").isPresent());
    }

    @Test
    void meshConfigIsADefendedReasonForAGatewardenOnlyFinding() throws Exception {
        AllowList list = read("A:x gatewarden:EG605 ServiceEntry/*/* | Needs mesh config: auto-allocation\n");
        assertTrue(list.allowing("A:x", "gatewarden:EG605", "ServiceEntry/default/se").isPresent());
    }
}
