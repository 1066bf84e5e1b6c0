package dev.specula.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.kernel.ComputePool;
import org.junit.jupiter.api.Test;

class BestOfTest {

    @Test
    void keepsTheHighestOfTheMinimumPasses() {
        double[] rates = {3, 9, 4, 1, 100};
        int[] calls = {0};
        assertEquals(9, BestOf.rate(4, 0, () -> rates[calls[0]++]));
        assertEquals(4, calls[0], "no pass beyond the minimum when no minimum time is asked for");
    }

    @Test
    void repeatsUntilTheMinimumTimeHasPassed() {
        int[] calls = {0};
        long start = System.nanoTime();
        double best = BestOf.rate(2, 20_000_000, () -> ++calls[0]);
        assertTrue(System.nanoTime() - start >= 20_000_000);
        assertTrue(calls[0] > 2, "a pass of nothing is far shorter than 20 ms: " + calls[0]);
        assertEquals(calls[0], best, "the counter grows, so the last pass is the best");
        assertThrows(IllegalArgumentException.class, () -> BestOf.rate(0, 0, () -> 1));
    }

    @Test
    void limitsAreFiniteAndPositive() {
        try (ComputePool pool = new ComputePool(2)) {
            double peak = FmaPeak.measure(pool, 10_000, 3, 0);
            double bandwidth = MemoryBandwidth.measure(pool, 4 << 20, 3, 0);
            assertTrue(peak > 0 && Double.isFinite(peak), "FMA peak " + peak);
            assertTrue(bandwidth > 0 && Double.isFinite(bandwidth), "bandwidth " + bandwidth);
            // a buffer smaller than a vector step per thread per slice still gives one step each
            assertTrue(MemoryBandwidth.measure(pool, 1, 1, 0) > 0);
        }
    }
}
