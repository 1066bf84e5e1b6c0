package dev.specula.runtime.engine;

import dev.specula.runtime.kernel.AttentionKernel;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.KvTiles;
import dev.specula.runtime.kernel.RangeBody;
import dev.specula.runtime.model.ModelConfig;
import java.util.Arrays;

/**
 * Attention on the CPU with an F32 key/value cache, parallel over query heads. The cache grows with the sequence
 * ({@link KvCacheGrowth}); keys are stored transposed in {@link KvTiles}, values a row per position.
 */
public final class CpuAttention implements Attention {
    private final ModelConfig config;
    private final ComputePool pool;
    private final int capacity;
    /** Per layer, {@link KvTiles} of kvDim columns, as {@link #values}. */
    private final float[][] keys;
    private final float[][] values;
    /** Positions the arrays of {@link #keys} and {@link #values} hold now. */
    private int held;
    /** One row of scores per query head, so heads can run on different threads; rows of whole key tiles. */
    private final float[] scores;
    private final int scoresStride;
    private final Heads heads = new Heads();

    public CpuAttention(ModelConfig config, int contextLength, ComputePool pool) {
        this.config = config;
        this.pool = pool;
        this.capacity = contextLength;
        Math.multiplyExact(contextLength, config.kvDim()); // a full cache must still fit an array
        this.keys = new float[config.layers()][0];
        this.values = new float[config.layers()][0];
        reserve(KvCacheGrowth.initial(contextLength));
        this.scoresStride = KvTiles.roundUp(contextLength);
        this.scores = new float[Math.multiplyExact(config.heads(), scoresStride)];
    }

    public static AttentionFactory factory(ComputePool pool) {
        return (config, contextLength) -> new CpuAttention(config, contextLength, pool);
    }

    @Override
    public void store(int layer, float[] k, float[] v, int batch, int startPos) {
        int kvDim = config.kvDim();
        reserve(startPos + batch);
        for (int b = 0; b < batch; b++) {
            KvTiles.storeKey(k, b * kvDim, kvDim, keys[layer], startPos + b);
            KvTiles.storeValue(v, b * kvDim, kvDim, config.headDim(), values[layer], startPos + b);
        }
    }

    @Override
    public void attend(int layer, float[] q, int batch, int startPos, float[] out) {
        heads.layerKeys = keys[layer];
        heads.layerValues = values[layer];
        heads.q = q;
        heads.out = out;
        heads.batch = batch;
        heads.startPos = startPos;
        heads.perUnit = headsPerUnit();
        pool.parallelFor(config.heads() / heads.perUnit, heads);
    }

    /**
     * Query heads that attend together over their shared key/value head, reading each tile once: the whole group
     * unless that leaves fewer units of work than threads, then the largest divisor of the group that does not.
     */
    private int headsPerUnit() {
        int group = config.groupSize();
        int perUnit = group;
        for (int d = group - 1; d >= 1 && config.heads() / perUnit < pool.threads(); d--) {
            if (group % d == 0) {
                perUnit = d;
            }
        }
        return perUnit;
    }

    /** Grows every layer's arrays to hold at least {@code positions}. */
    private void reserve(int positions) {
        if (positions <= held) {
            return;
        }
        int grown = KvCacheGrowth.grown(held, positions, capacity);
        int length = KvTiles.length(grown, config.kvDim());
        for (int l = 0; l < keys.length; l++) {
            keys[l] = Arrays.copyOf(keys[l], length);
            values[l] = Arrays.copyOf(values[l], length);
        }
        held = grown;
    }

    /**
     * The work of one attend call, in units of {@link #perUnit} query heads of one group, each unit for every token
     * of the batch (a head's row of scores is used by one thread at a time); reused, so a token allocates nothing.
     */
    private final class Heads implements RangeBody {
        float[] layerKeys;
        float[] layerValues;
        float[] q;
        float[] out;
        int batch;
        int startPos;
        int perUnit;

        @Override
        public void run(int from, int to) {
            int headDim = config.headDim();
            int dim = config.dim();
            for (int h = from * perUnit; h < to * perUnit; h += perUnit) {
                int kvOff = h / config.groupSize() * headDim;
                for (int b = 0; b < batch; b++) {
                    int off = b * dim + h * headDim;
                    AttentionKernel.attendGroup(q, off, perUnit, headDim, layerKeys, layerValues, kvOff,
                            config.kvDim(), startPos + b + 1, scores, h * scoresStride, scoresStride, out, off);
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
        long cache = (long) keys.length * (keys[0].length + values[0].length);
        return (cache + scores.length) * Float.BYTES;
    }
}
