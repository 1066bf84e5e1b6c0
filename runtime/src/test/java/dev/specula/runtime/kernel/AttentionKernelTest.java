package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.MatMulTest.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** One attention head against naive softmax attention, with grouped-query sharing of key/value heads. */
class AttentionKernelTest {

    @ParameterizedTest
    @CsvSource({"8, 8, 1", "8, 2, 1", "32, 4, 17", "64, 1, 130", "12, 3, 5"})
    void matchesNaiveAttention(int heads, int kvHeads, int positions) {
        int headDim = 16;
        int kvDim = kvHeads * headDim;
        int group = heads / kvHeads;
        Random random = new Random(heads * 100L + positions);
        float[] q = gaussian(random, heads * headDim, 1f);
        float[] keys = gaussian(random, positions * kvDim, 1f);
        float[] values = gaussian(random, positions * kvDim, 1f);
        float[] scores = new float[heads * positions + 1];
        float[] out = new float[heads * headDim];

        for (int h = 0; h < heads; h++) {
            int kvOff = (h / group) * headDim;
            AttentionKernel.attendHead(q, h * headDim, keys, values, kvOff, kvDim, positions, headDim,
                    scores, 1 + h * positions, out, h * headDim);
        }

        for (int h = 0; h < heads; h++) {
            int kvOff = (h / group) * headDim;
            double[] weights = ReferenceAttention.weights(q, h * headDim, keys, kvOff, kvDim, positions, headDim);
            for (int p = 0; p < positions; p++) {
                assertEquals(weights[p], scores[1 + h * positions + p], 1e-5, "score head " + h + " pos " + p);
            }
            double[] want = ReferenceAttention.output(weights, values, kvOff, kvDim, headDim);
            for (int i = 0; i < headDim; i++) {
                assertEquals(want[i], out[h * headDim + i], 1e-5, "head " + h + " dim " + i);
            }
        }
    }
}
