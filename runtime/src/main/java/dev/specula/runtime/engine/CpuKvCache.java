package dev.specula.runtime.engine;

import dev.specula.runtime.kernel.KvTiles;
import dev.specula.runtime.model.ModelConfig;

/**
 * Every layer's keys and values of one sequence in CPU memory, an array per layer and key/value head laid out in
 * {@link KvTiles} (so a head's tiles are contiguous and attention streams them front to back), growing with the
 * sequence ({@link KvCacheGrowth}). Subclasses hold the arrays of one element type.
 */
abstract sealed class CpuKvCache permits F32KvCache, F16KvCache {

    final ModelConfig config;
    private final int capacity;
    /** Positions the arrays hold now. */
    private int held;

    CpuKvCache(ModelConfig config, int capacity) {
        this.config = config;
        this.capacity = capacity;
        Math.multiplyExact(capacity, config.kvDim()); // a full cache must still fit an array
    }

    static CpuKvCache of(KvCacheType type, ModelConfig config, int capacity) {
        CpuKvCache cache = switch (type) {
            case F32 -> new F32KvCache(config, capacity);
            case F16 -> new F16KvCache(config, capacity);
        };
        cache.reserve(KvCacheGrowth.initial(capacity));
        return cache;
    }

    /** Grows every layer's arrays to hold at least {@code positions}. */
    final void reserve(int positions) {
        if (positions <= held) {
            return;
        }
        held = KvCacheGrowth.grown(held, positions, capacity);
        int length = KvTiles.length(held, config.headDim());
        for (int l = 0; l < config.layers(); l++) {
            for (int h = 0; h < config.kvHeads(); h++) {
                resize(l, h, length);
            }
        }
    }

    /** Copies the arrays of {@code layer}'s key/value head {@code head} into arrays of {@code length} elements. */
    abstract void resize(int layer, int head, int length);

    /** Stores the keys and values of {@code batch} tokens at positions {@code startPos ..}, already reserved. */
    final void store(int layer, float[] k, float[] v, int batch, int startPos) {
        int kvDim = config.kvDim();
        int headDim = config.headDim();
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < config.kvHeads(); h++) {
                storeHead(layer, h, k, v, b * kvDim + h * headDim, startPos + b);
            }
        }
    }

    /**
     * Stores head {@code head}'s key {@code k[from .. + headDim)} and value {@code v[from ..]} of {@code position}.
     */
    abstract void storeHead(int layer, int head, float[] k, float[] v, int from, int position);

    /**
     * {@code AttentionKernel.attendGroup} over {@code layer}'s cache of key/value head {@code kvHead}, each query
     * head's output where its query is in {@code q}.
     */
    abstract void attendGroup(int layer, float[] q, int qOff, int heads, int kvHead, int positions, float[] scores,
                              int scoresOff, int scoresStride, float[] out);

    /** Bytes of the arrays. */
    abstract long bytes();
}
