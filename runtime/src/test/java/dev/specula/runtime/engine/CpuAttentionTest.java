package dev.specula.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.KvTiles;
import dev.specula.runtime.kernel.ReferenceAttention;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.RopeStyle;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The CPU key/value cache against a straightforward scalar attention over the same history. */
class CpuAttentionTest {

    /**
     * Batches that cross the cache's growth from 256 positions to 512 and then to its capacity of 700; an F16 cache
     * against the reference over the keys and values rounded to F16. Groups of two query heads per key/value head,
     * and of four with heads of 64 dimensions (attended four heads at a time).
     */
    @ParameterizedTest
    @CsvSource({"F32, 4, 2, 8", "F16, 4, 2, 8", "F32, 8, 2, 64", "F16, 8, 2, 64"})
    void growsWithTheSequenceAndAttendsOverAllOfIt(KvCacheType type, int heads, int kvHeads, int headDim) {
        ModelConfig config = new ModelConfig(heads * headDim, 48, 2, heads, kvHeads, 50, 700, 1e-5f, 10000f,
                RopeStyle.INTERLEAVED);
        int dim = config.dim();
        int kvDim = config.kvDim();
        int layers = config.layers();
        Random random = new Random(11);
        float[][] keys = new float[layers][config.contextLength() * kvDim];
        float[][] values = new float[layers][config.contextLength() * kvDim];
        long full = type.bytes(config, KvTiles.roundUp(config.contextLength()));
        try (ComputePool pool = new ComputePool(2); CpuAttention attention = new CpuAttention(config, 700, pool, type)) {
            assertTrue(attention.bytes() < full / 2, "starts small: " + attention.bytes());
            int position = 0;
            for (int batch : new int[]{1, 200, 60, 1, 250, 100, 88}) {
                for (int layer = 0; layer < layers; layer++) {
                    float[] k = gaussian(random, batch * kvDim);
                    float[] v = gaussian(random, batch * kvDim);
                    attention.store(layer, k, v, batch, position);
                    System.arraycopy(k, 0, keys[layer], position * kvDim, k.length);
                    System.arraycopy(v, 0, values[layer], position * kvDim, v.length);
                    if (type == KvCacheType.F16) {
                        ReferenceAttention.roundToHalf(keys[layer]);
                        ReferenceAttention.roundToHalf(values[layer]);
                    }
                    float[] q = gaussian(random, batch * dim);
                    float[] out = new float[batch * dim];
                    attention.attend(layer, q, batch, position, out);
                    for (int b = 0; b < batch; b++) {
                        for (int h = 0; h < config.heads(); h++) {
                            int kvOff = (h / config.groupSize()) * config.headDim();
                            double[] want = ReferenceAttention.output(ReferenceAttention.weights(q,
                                    b * dim + h * config.headDim(), keys[layer], kvOff, kvDim, position + b + 1,
                                    config.headDim()), values[layer], kvOff, kvDim, config.headDim());
                            for (int i = 0; i < want.length; i++) {
                                assertEquals(want[i], out[b * dim + h * config.headDim() + i], 1e-5,
                                        "layer " + layer + ", position " + (position + b) + ", head " + h);
                            }
                        }
                    }
                }
                position += batch;
            }
            assertEquals(700, position);
            assertEquals(full, attention.bytes() - 4L * config.heads() * KvTiles.roundUp(700),
                    "holds the whole capacity (in whole tiles) at the end");
        }
    }

    private static float[] gaussian(Random random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }
}
