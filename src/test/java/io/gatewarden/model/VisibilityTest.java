package io.gatewarden.model;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Istio's exportTo values, and the two questions the rules ask of them. */
class VisibilityTest {

    @Test
    void exportToValues() {
        assertEquals(Visibility.EVERYWHERE, Visibility.exportTo(List.of(), "shop"));
        assertEquals(Visibility.EVERYWHERE, Visibility.exportTo(List.of(".", "*"), "shop"));
        assertEquals(Set.of("shop"), Visibility.exportTo(List.of("."), "shop").scopes());
        assertEquals(Set.of("shop", "billing"), Visibility.exportTo(List.of(".", "billing"), "shop").scopes());
        assertEquals(Set.of(), Visibility.exportTo(List.of("~"), "shop").scopes());
        assertEquals("no namespace", Visibility.exportTo(List.of("~"), "shop").describe());
    }

    @Test
    void serviceAnnotationIsCommaSeparated() {
        assertEquals(Visibility.EVERYWHERE, Visibility.ofAnnotation(null, "bookinfo"));
        assertEquals(Set.of("bookinfo", "hello1", "hello2"),
                Visibility.ofAnnotation("hello1, hello2,.", "bookinfo").scopes());
        assertEquals("namespaces bookinfo, hello1, hello2", Visibility.ofAnnotation("hello1, hello2,.", "bookinfo").describe());
    }

    @Test
    void routesAreLookedUpFromTheirOwnNamespaceUnlessExportedElsewhere() {
        assertEquals(Set.of("shop"), Visibility.routesOf(List.of(), "shop").scopes());
        assertEquals(Set.of("ops"), Visibility.routesOf(List.of("ops"), "shop").scopes());
        Visibility onlyBookinfo = Visibility.exportTo(List.of("."), "bookinfo");
        assertTrue(onlyBookinfo.visibleFrom(Visibility.routesOf(List.of(), "bookinfo")));
        assertFalse(onlyBookinfo.visibleFrom(Visibility.routesOf(List.of(), "shop")));
        // A VirtualService exported everywhere finds only what is exported everywhere (as Istio's analyzer).
        assertFalse(onlyBookinfo.visibleFrom(Visibility.routesOf(List.of("*"), "bookinfo")));
        assertTrue(Visibility.EVERYWHERE.visibleFrom(Visibility.routesOf(List.of("*"), "bookinfo")));
    }

    @Test
    void twoDeclarationsOverlapWhereBothAreVisible() {
        Visibility billing = Visibility.exportTo(List.of("."), "billing");
        Visibility shop = Visibility.exportTo(List.of("."), "shop");
        Visibility shopAndBilling = Visibility.exportTo(List.of(".", "billing"), "shop");
        assertFalse(billing.overlaps(shop));
        assertTrue(billing.overlaps(shopAndBilling));
        assertEquals(Set.of("billing"), billing.common(shopAndBilling).scopes());
        assertTrue(billing.overlaps(Visibility.EVERYWHERE));
        assertEquals(billing, Visibility.EVERYWHERE.common(billing));
        assertFalse(Visibility.exportTo(List.of("~"), "shop").overlaps(shop));
    }
}
