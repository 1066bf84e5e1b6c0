package dev.specula.runtime.generate;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StopStringFilterTest {

    @Test
    void holdsBackPossibleStopPrefixesAndCutsAtTheStop() {
        StopStringFilter f = new StopStringFilter(List.of("o w", "xyz"));
        assertEquals("Hel", f.push("Hel"));
        assertEquals("l", f.push("lo"), "'o' may start 'o w': held back");
        assertFalse(f.stopped());
        assertEquals("", f.push(" w"));
        assertTrue(f.stopped());
    }

    @Test
    void releasesHeldTextWhenTheStopDoesNotMaterialise() {
        StopStringFilter f = new StopStringFilter(List.of("END"));
        assertEquals("the ", f.push("the E"));
        assertEquals("", f.push("N"), "'EN' may start 'END'");
        assertEquals("ENd", f.push("d"));
        assertEquals("", f.flush());
        assertFalse(f.stopped());
    }

    @Test
    void earliestStopWins() {
        StopStringFilter f = new StopStringFilter(List.of("bb", "a"));
        assertEquals("x", f.push("xabb"));
        assertTrue(f.stopped());
    }

    @Test
    void flushReturnsHeldText() {
        StopStringFilter f = new StopStringFilter(List.of("\n\n"));
        assertEquals("line", f.push("line\n"));
        assertEquals("\n", f.flush());
    }
}
