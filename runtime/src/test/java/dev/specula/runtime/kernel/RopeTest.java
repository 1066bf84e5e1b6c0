package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.MatMulTest.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.specula.runtime.model.RopeStyle;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RoPE in both pairings against a scalar double-precision rotation. */
class RopeTest {

    @ParameterizedTest
    @CsvSource({
            "INTERLEAVED, 64, 0", "INTERLEAVED, 64, 1", "INTERLEAVED, 128, 517", "INTERLEAVED, 6, 33",
            "HALF, 64, 0", "HALF, 64, 1", "HALF, 128, 517", "HALF, 6, 33", "HALF, 36, 1000",
    })
    void rotatesLikeScalarReference(RopeStyle style, int headDim, int pos) {
        int heads = 3;
        int off = 5;
        float theta = 10000f;
        Rope rope = new Rope(headDim, 1024, theta);
        float[] v = gaussian(new Random(headDim + pos), off + heads * headDim + 2, 1f);
        float[] original = v.clone();

        rope.apply(v, off, heads, pos, style);

        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            int base = off + h * headDim;
            for (int i = 0; i < half; i++) {
                double angle = pos * Math.pow(theta, -2.0 * i / headDim);
                int first = style == RopeStyle.INTERLEAVED ? base + 2 * i : base + i;
                int second = style == RopeStyle.INTERLEAVED ? base + 2 * i + 1 : base + half + i;
                double a = original[first];
                double b = original[second];
                assertEquals(a * Math.cos(angle) - b * Math.sin(angle), v[first], 2e-6, "head " + h + " pair " + i);
                assertEquals(a * Math.sin(angle) + b * Math.cos(angle), v[second], 2e-6, "head " + h + " pair " + i);
            }
        }
        assertEquals(original[0], v[0]);
        assertEquals(original[v.length - 1], v[v.length - 1]);
    }

    @Test
    void rejectsPositionsOutsideTable() {
        Rope rope = new Rope(8, 4, 10000f);
        assertThrows(IndexOutOfBoundsException.class, () -> rope.apply(new float[8], 0, 1, 4, RopeStyle.HALF));
        assertThrows(IllegalArgumentException.class, () -> new Rope(7, 4, 10000f));
    }
}
