package dev.specula.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SamplesTest {

    @Test
    void medianOfAnOddCountIsTheMiddleValueAndOfAnEvenCountTheMeanOfTheTwoMiddleOnes() {
        double[] odd = {5, 1, 4, 2, 3};
        assertEquals(3, Samples.median(odd));
        assertArrayEquals(new double[] {5, 1, 4, 2, 3}, odd, "the samples are left in their order");
        assertEquals(2.5, Samples.median(new double[] {4, 1, 2, 3}));
        assertEquals(7, Samples.median(new double[] {7}));
    }

    @Test
    void minIsTheSmallestValue() {
        assertEquals(-2, Samples.min(new double[] {3, -2, 8}));
    }
}
