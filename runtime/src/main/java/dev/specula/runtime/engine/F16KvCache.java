package dev.specula.runtime.engine;

import dev.specula.runtime.kernel.AttentionKernel;
import dev.specula.runtime.kernel.KvTiles;
import dev.specula.runtime.model.ModelConfig;
import java.util.Arrays;

/** A {@link CpuKvCache} of IEEE half floats ({@link KvCacheType#F16}). */
final class F16KvCache extends CpuKvCache {
    private final short[][] keys;
    private final short[][] values;

    F16KvCache(ModelConfig config, int capacity) {
        super(config, capacity);
        this.keys = new short[config.layers()][0];
        this.values = new short[config.layers()][0];
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
        return (long) keys.length * (keys[0].length + values[0].length) * Short.BYTES;
    }
}
