package dev.specula.runtime.engine;

import dev.specula.runtime.kernel.AttentionKernel;
import dev.specula.runtime.kernel.KvTiles;
import dev.specula.runtime.model.ModelConfig;
import java.util.Arrays;

/** A {@link CpuKvCache} of floats. */
final class F32KvCache extends CpuKvCache {
    /** Per layer and key/value head. */
    private final float[][][] keys;
    private final float[][][] values;

    F32KvCache(ModelConfig config, int capacity) {
        super(config, capacity);
        this.keys = new float[config.layers()][config.kvHeads()][0];
        this.values = new float[config.layers()][config.kvHeads()][0];
    }

    @Override
    void resize(int layer, int head, int length) {
        keys[layer][head] = Arrays.copyOf(keys[layer][head], length);
        values[layer][head] = Arrays.copyOf(values[layer][head], length);
    }

    @Override
    void storeHead(int layer, int head, float[] k, float[] v, int from, int position) {
        int headDim = config.headDim();
        KvTiles.storeKey(k, from, headDim, keys[layer][head], position);
        KvTiles.storeValue(v, from, headDim, values[layer][head], position);
    }

    @Override
    void attendGroup(int layer, float[] q, int qOff, int heads, int kvHead, int positions, float[] scores,
                     int scoresOff, int scoresStride, float[] out) {
        AttentionKernel.attendGroup(q, qOff, heads, config.headDim(), keys[layer][kvHead], values[layer][kvHead],
                positions, scores, scoresOff, scoresStride, out, qOff);
    }

    @Override
    long bytes() {
        return (long) keys.length * keys[0].length * (keys[0][0].length + values[0][0].length) * Float.BYTES;
    }
}
