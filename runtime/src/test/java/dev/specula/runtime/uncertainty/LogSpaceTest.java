package dev.specula.runtime.uncertainty;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LogSpaceTest {

    @Test
    void logSumExpOfDoublesStaysFiniteFarFromZero() {
        assertEquals(Math.log(Math.exp(-1) + Math.exp(-2) + Math.exp(-3)), LogSpace.logSumExp(new double[]{-1, -2, -3}),
                1e-12);
        // exp(-1000) underflows: the naive sum would give -infinity
        assertEquals(-1000 + Math.log(2), LogSpace.logSumExp(new double[]{-1000, -1000}), 1e-12);
        assertEquals(Math.log(3) + 5, LogSpace.logSumExp(new double[]{5, 5, 5}), 1e-12);
        assertEquals(Double.NEGATIVE_INFINITY,
                LogSpace.logSumExp(new double[]{Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY}));
    }
}
