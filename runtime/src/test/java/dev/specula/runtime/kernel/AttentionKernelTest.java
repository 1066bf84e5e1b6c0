package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.MatMulTest.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Attention heads against naive softmax attention, with grouped-query sharing of key/value heads: one head over
 * row-major keys and values, and a group of heads over {@link KvTiles} (partial last tiles, head sizes that are
 * not a multiple of the vector's lanes or of four, odd ones, groups taken four heads at a time with and without
 * heads left over, heads of one and of several runs of four vectors).
 */
class AttentionKernelTest {

    @ParameterizedTest
    @CsvSource({"8, 8, 1, 16", "8, 2, 1, 16", "32, 4, 17, 16", "64, 1, 130, 16", "12, 3, 5, 16", "4, 2, 9, 80",
                "6, 2, 11, 6"})
    void matchesNaiveAttention(int heads, int kvHeads, int positions, int headDim) {
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

        assertMatchesReference(q, keys, values, kvHeads, positions, headDim, scores, positions, out);
    }

    @ParameterizedTest
    @CsvSource({"8, 8, 1, 16, false", "8, 2, 17, 16, false", "32, 4, 130, 64, false", "12, 3, 5, 6, false",
                "4, 1, 33, 80, false", "6, 2, 40, 10, false", "8, 2, 17, 16, true", "32, 4, 130, 64, true",
                "6, 2, 40, 10, true", "10, 2, 21, 7, false", "5, 1, 19, 64, true", "8, 1, 37, 128, true",
                "12, 2, 50, 32, false"})
    void groupsMatchNaiveAttentionOverTiles(int heads, int kvHeads, int positions, int headDim, boolean f16) {
        int kvDim = kvHeads * headDim;
        int group = heads / kvHeads;
        Random random = new Random(heads * 100L + positions + headDim);
        float[] q = gaussian(random, heads * headDim, 1f);
        float[] keys = gaussian(random, positions * kvDim, 1f);
        float[] values = gaussian(random, positions * kvDim, 1f);
        int stride = KvTiles.roundUp(positions);
        float[] scores = new float[1 + heads * stride];
        float[] out = new float[heads * headDim];
        // A cache of tiles per key/value head.
        float[][] keyTiles = new float[kvHeads][KvTiles.length(positions, headDim)];
        float[][] valueTiles = new float[kvHeads][KvTiles.length(positions, headDim)];
        short[][] halfKeys = new short[kvHeads][KvTiles.length(positions, headDim)];
        short[][] halfValues = new short[kvHeads][KvTiles.length(positions, headDim)];
        for (int g = 0; g < kvHeads; g++) {
            for (int p = 0; p < positions; p++) {
                int from = p * kvDim + g * headDim;
                KvTiles.storeKey(keys, from, headDim, keyTiles[g], p);
                KvTiles.storeValue(values, from, headDim, valueTiles[g], p);
                KvTiles.storeKey(keys, from, headDim, halfKeys[g], p);
                KvTiles.storeValue(values, from, headDim, halfValues[g], p);
            }
        }

        for (int g = 0; g < kvHeads; g++) {
            int h = g * group;
            if (f16) {
                AttentionKernel.attendGroup(q, h * headDim, group, headDim, halfKeys[g], halfValues[g], positions,
                        scores, 1 + h * stride, stride, out, h * headDim);
            } else {
                AttentionKernel.attendGroup(q, h * headDim, group, headDim, keyTiles[g], valueTiles[g], positions,
                        scores, 1 + h * stride, stride, out, h * headDim);
            }
        }

        if (f16) { // the reference attends over what an F16 cache holds
            ReferenceAttention.roundToHalf(keys);
            ReferenceAttention.roundToHalf(values);
        }
        assertMatchesReference(q, keys, values, kvHeads, positions, headDim, scores, stride, out);
    }

    /** Every head's scores (from {@code scores[1 + h * stride]}) and output against the double-precision reference. */
    private static void assertMatchesReference(float[] q, float[] keys, float[] values, int kvHeads, int positions,
                                               int headDim, float[] scores, int stride, float[] out) {
        int heads = q.length / headDim;
        int kvDim = kvHeads * headDim;
        for (int h = 0; h < heads; h++) {
            int kvOff = (h / (heads / kvHeads)) * headDim;
            double[] weights = ReferenceAttention.weights(q, h * headDim, keys, kvOff, kvDim, positions, headDim);
            for (int p = 0; p < positions; p++) {
                assertEquals(weights[p], scores[1 + h * stride + p], 1e-5, "score head " + h + " pos " + p);
            }
            double[] want = ReferenceAttention.output(weights, values, kvOff, kvDim, headDim);
            for (int i = 0; i < headDim; i++) {
                assertEquals(want[i], out[h * headDim + i], 1e-5, "head " + h + " dim " + i);
            }
        }
    }
}
