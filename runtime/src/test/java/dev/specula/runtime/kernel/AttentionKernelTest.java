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
            int kvHead = h / group;
            double[] weights = new double[positions];
            double max = Double.NEGATIVE_INFINITY;
            for (int p = 0; p < positions; p++) {
                double s = 0;
                for (int i = 0; i < headDim; i++) {
                    s += (double) q[h * headDim + i] * keys[p * kvDim + kvHead * headDim + i];
                }
                weights[p] = s / Math.sqrt(headDim);
                max = Math.max(max, weights[p]);
            }
            double sum = 0;
            for (int p = 0; p < positions; p++) {
                weights[p] = Math.exp(weights[p] - max);
                sum += weights[p];
            }
            for (int p = 0; p < positions; p++) {
                weights[p] /= sum;
                assertEquals(weights[p], scores[1 + h * positions + p], 1e-5, "score head " + h + " pos " + p);
            }
            for (int i = 0; i < headDim; i++) {
                double want = 0;
                for (int p = 0; p < positions; p++) {
                    want += weights[p] * values[p * kvDim + kvHead * headDim + i];
                }
                assertEquals(want, out[h * headDim + i], 1e-5, "head " + h + " dim " + i);
            }
        }
    }
}
