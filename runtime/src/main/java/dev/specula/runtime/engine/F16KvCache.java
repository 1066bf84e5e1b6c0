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
    void resize(int layer, int length) {
        keys[layer] = Arrays.copyOf(keys[layer], length);
        values[layer] = Arrays.copyOf(values[layer], length);
    }

    @Override
    void storePosition(int layer, float[] k, float[] v, int from, int position) {
        KvTiles.storeKey(k, from, config.kvDim(), keys[layer], position);
        KvTiles.storeValue(v, from, config.kvDim(), config.headDim(), values[layer], position);
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
