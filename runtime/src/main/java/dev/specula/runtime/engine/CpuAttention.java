package dev.specula.runtime.engine;

import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.KvTiles;
import dev.specula.runtime.kernel.RangeBody;
import dev.specula.runtime.model.ModelConfig;

/**
 * Attention on the CPU, parallel over query heads, over a {@link CpuKvCache} of {@link KvCacheType} floats or half
 * floats that grows with the sequence; attended a key/value head's group of query heads at a time.
 */
public final class CpuAttention implements Attention {
    private final ModelConfig config;
    private final ComputePool pool;
    private final int capacity;
    private final CpuKvCache cache;
    /** One row of scores per query head, so heads can run on different threads; rows of whole key tiles. */
    private final float[] scores;
    private final int scoresStride;
    /** Query heads per unit of work ({@link #headsPerUnit}). */
    private final int perUnit;
    private final Heads heads = new Heads();

    public CpuAttention(ModelConfig config, int contextLength, ComputePool pool, KvCacheType type) {
        this.config = config;
        this.pool = pool;
        this.capacity = contextLength;
        this.cache = CpuKvCache.of(type, config, contextLength);
        this.scoresStride = KvTiles.roundUp(contextLength);
        this.scores = new float[Math.multiplyExact(config.heads(), scoresStride)];
        this.perUnit = headsPerUnit(config, pool.threads());
    }

    /** Attention on the CPU over F32 caches: exact, for evaluation and tests. */
    public static AttentionFactory factory(ComputePool pool) {
        return factory(pool, KvCacheType.F32);
    }

    /** Attention on the CPU over caches of {@code type}, whose size {@link AttentionFactory#cacheBytes} reports. */
    public static AttentionFactory factory(ComputePool pool, KvCacheType type) {
        return new AttentionFactory() {
            @Override
            public Attention create(ModelConfig config, int contextLength) {
                return new CpuAttention(config, contextLength, pool, type);
            }

            @Override
            public long cacheBytes(ModelConfig config, int positions) {
                return type.bytes(config, positions);
            }
        };
    }

    @Override
    public void store(int layer, float[] k, float[] v, int batch, int startPos) {
        cache.reserve(startPos + batch);
        cache.store(layer, k, v, batch, startPos);
    }

    @Override
    public void attend(int layer, float[] q, int batch, int startPos, float[] out) {
        heads.layer = layer;
        heads.q = q;
        heads.out = out;
        heads.batch = batch;
        heads.startPos = startPos;
        pool.parallelFor(config.heads() / perUnit, heads);
    }

    /**
     * Query heads that attend together over their shared key/value head, reading each tile once: the whole group
     * unless that leaves fewer units of work than threads, then the largest divisor of the group that does not.
     */
    private static int headsPerUnit(ModelConfig config, int threads) {
        int group = config.groupSize();
        int size = group;
        for (int d = group - 1; d >= 1 && config.heads() / size < threads; d--) {
            if (group % d == 0) {
                size = d;
            }
        }
        return size;
    }

    /**
     * The work of one attend call, in units of {@link #perUnit} query heads of one group, each unit for every token
     * of the batch (a head's row of scores is used by one thread at a time); reused, so a token allocates nothing.
     */
    private final class Heads implements RangeBody {
        int layer;
        float[] q;
        float[] out;
        int batch;
        int startPos;

        @Override
        public void run(int from, int to) {
            int headDim = config.headDim();
            int dim = config.dim();
            for (int h = from * perUnit; h < to * perUnit; h += perUnit) {
                int kvHead = h / config.groupSize();
                for (int b = 0; b < batch; b++) {
                    int off = b * dim + h * headDim;
                    cache.attendGroup(layer, q, off, perUnit, kvHead, startPos + b + 1, scores, h * scoresStride,
                            scoresStride, out);
                }
            }
        }
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public long bytes() {
        return cache.bytes() + (long) scores.length * Float.BYTES;
    }
}
