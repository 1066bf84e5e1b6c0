package dev.specula.devices;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ByteSizeTest {

    @Test
    void parsesUnits() {
        assertEquals(4096, ByteSize.parse("4KiB"));
        assertEquals(4096, ByteSize.parse("4 KiB"));
        assertEquals(4096, ByteSize.parse("4kib"));
        assertEquals(1 << 20, ByteSize.parse("1 MiB"));
        assertEquals(1_500_000_000L, ByteSize.parse("1.5 GB"));
        assertEquals(512 * 1024, ByteSize.parse("512k"));
        assertEquals(512 * 1024, ByteSize.parse("512K"));
        assertEquals(2L << 30, ByteSize.parse("2g"));
        assertEquals(1536, ByteSize.parse("1.5KiB"));
        assertEquals(123, ByteSize.parse("123"));
        assertEquals(123, ByteSize.parse(" 123 B "));
        assertEquals(4000, ByteSize.parse("4KB"));
        assertEquals(3L << 40, ByteSize.parse("3TiB"));
        assertEquals(0, ByteSize.parse("0"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "KiB", "-4KiB", "4 XB", "1.2.3MiB", "1.5", "1.5 B", ".5MiB", "5.MiB",
            "99999999999 TiB", "1e9", "4 Ki B", "four KiB"})
    void rejectsBadSizes(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(text));
        assertTrue(e.getMessage().contains(text.strip()) || text.isBlank(), e.getMessage());
    }

    @Test
    void rejectsNull() {
        assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(null));
    }

    @Test
    void formats() {
        assertEquals("0 B", ByteSize.format(0));
        assertEquals("512 B", ByteSize.format(512));
        assertEquals("4 KiB", ByteSize.format(4096));
        assertEquals("1.5 MiB", ByteSize.format(3 << 19));
        assertEquals("7.45 GiB", ByteSize.format(8_000_000_000L));
        assertEquals("4KiB", ByteSize.formatExact(4096));
        assertEquals("1MiB", ByteSize.formatExact(1 << 20));
        assertEquals("1536B", ByteSize.formatExact(1536));
        assertEquals("0B", ByteSize.formatExact(0));
        assertEquals("16GiB", ByteSize.formatExact(16L << 30));
    }

    @Test
    void roundTrips() {
        long[] values = {0, 1, 1023, 1024, 1536, 4096, 65536, 1 << 20, 3 << 19, 1_000_000, 123_456_789,
                8_000_000_000L, 16L << 30, 5L << 40, Long.MAX_VALUE / 2};
        for (long v : values) {
            assertEquals(v, ByteSize.parse(ByteSize.formatExact(v)), "exact " + v);
            long back = ByteSize.parse(ByteSize.format(v));
            assertTrue(Math.abs(back - v) <= v * 0.005, v + " -> " + ByteSize.format(v) + " -> " + back);
        }
    }
}
