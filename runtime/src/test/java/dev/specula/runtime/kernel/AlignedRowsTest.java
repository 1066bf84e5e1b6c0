package dev.specula.runtime.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class AlignedRowsTest {

    /** Asks again until two answers agree, in case the collector moved the array in between. */
    private static long stableAddress(float[] a) {
        for (int attempt = 0; attempt < 10; attempt++) {
            long before = ArrayAddress.of(a);
            long after = ArrayAddress.of(a);
            if (before == after) {
                return before;
            }
        }
        throw new AssertionError("the array kept moving");
    }

    @Test
    void addressPointsAtTheArraysElements() {
        float[] a = {1.5f, -2.25f, 3.125f, 42f};
        long address = stableAddress(a);
        assertNotEquals(0, address, "native access is enabled for tests, so the address is known");
        float[] read = MemorySegment.ofAddress(address).reinterpret(a.length * (long) Float.BYTES)
                .toArray(ValueLayout.JAVA_FLOAT);
        if (ArrayAddress.of(a) == address) { // else moved while read: nothing to compare
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], read[i], "element " + i + " read through the address");
            }
        }
    }

    @Test
    void everyRowStartsOnA64ByteBoundaryAndRowsDoNotOverlapEachOtherOrTheSums() {
        for (int batch = 1; batch <= 4; batch++) {
            for (int cols : new int[]{1, 15, 16, 17, 100, 2048, 5632}) {
                AlignedRows rows = AlignedRows.forRows(batch, cols);
                long address = stableAddress(rows.data());
                for (int b = 0; b < batch; b++) {
                    long start = address + (long) rows.row(b) * Float.BYTES;
                    assertEquals(0, start % 64, "batch " + batch + " cols " + cols + " row " + b);
                    if (b > 0) {
                        assertTrue(rows.row(b) - rows.row(b - 1) >= cols, "rows overlap");
                    }
                }
                assertTrue(rows.row(batch - 1) + cols <= rows.data().length, "last row fits");
                assertTrue(RowMajorWeights.sums(rows.row(0)) >= 0, "the lane sums fit before row 0");
                assertEquals(0, (address + RowMajorWeights.sums(rows.row(0)) * (long) Float.BYTES) % 64, "sums aligned");
            }
        }
    }
}
