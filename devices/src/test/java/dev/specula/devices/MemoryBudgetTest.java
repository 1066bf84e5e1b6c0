package dev.specula.devices;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryBudgetTest {
    static final long TOTAL = 8L << 30;

    @Test
    void percent() {
        assertEquals(4L << 30, MemoryBudget.parse("50%", TOTAL));
        assertEquals(1L << 30, MemoryBudget.parse("12.5 %", TOTAL));
        assertEquals(TOTAL, MemoryBudget.parse("100%", TOTAL));
        MemoryBudget b = MemoryBudget.parse("75%");
        assertInstanceOf(MemoryBudget.Fraction.class, b);
        assertEquals("75%", b.toString());
        assertEquals(b, MemoryBudget.parse(b.toString()));
    }

    @Test
    void absolute() {
        assertEquals(2L << 30, MemoryBudget.parse("2GiB", TOTAL));
        assertEquals(1_500_000_000L, MemoryBudget.parse("1.5 GB", TOTAL));
        MemoryBudget b = MemoryBudget.parse("512MiB");
        assertEquals("512MiB", b.toString());
        assertEquals(b, MemoryBudget.parse(b.toString()));
    }

    @Test
    void errors() {
        for (String bad : new String[]{"", "0%", "101%", "-5%", "abc%", "0", "2 parsecs"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MemoryBudget.parse(bad, TOTAL), bad);
            assertTrue(e.getMessage().contains("budget") || e.getMessage().contains("positive"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MemoryBudget.parse("16GiB", TOTAL));
        assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MemoryBudget.parse("50%", 0));
    }
}
