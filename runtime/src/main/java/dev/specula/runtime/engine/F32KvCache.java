package dev.specula.runtime.engine;

import dev.specula.runtime.kernel.AttentionKernel;
import dev.specula.runtime.kernel.KvTiles;
import dev.specula.runtime.model.ModelConfig;
import java.util.Arrays;

/** A {@link CpuKvCache} of floats. */
final class F32KvCache extends CpuKvCache {
    private final float[][] keys;
    private final float[][] values;

    F32KvCache(ModelConfig config, int capacity) {
        super(config, capacity);
        this.keys = new float[config.layers()][0];
        this.values = new float[config.layers()][0];
    }

    @Override
    void resize(int length) {
        for (int l = 0; l < keys.length; l++) {
            keys[l] = Arrays.copyOf(keys[l], length);
            values[l] = Arrays.copyOf(values[l], length);
        }
    }

    @Override
    void store(int layer, float[] k, float[] v, int batch, int startPos) {
        int kvDim = config.kvDim();
        for (int b = 0; b < batch; b++) {
            KvTiles.storeKey(k, b * kvDim, kvDim, keys[layer], startPos + b);
            KvTiles.storeValue(v, b * kvDim, kvDim, config.headDim(), values[layer], startPos + b);
        }
    }

    @Override
    void attendGroup(int layer, float[] q, int qOff, int heads, int kvOff, int positions, float[] scores,
                     int scoresOff, int scoresStride, float[] out) {
        AttentionKernel.attendGroup(q, qOff, heads, config.headDim(), keys[layer], values[layer], kvOff,
                config.kvDim(), positions, scores, scoresOff, scoresStride, out, qOff);
    }

    @Override
    long bytes() {
        return (long) keys.length * (keys[0].length + values[0].length) * Float.BYTES;
    }
}
