package dev.specula.runtime.engine;

import dev.specula.runtime.kernel.AttentionKernel;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.RangeBody;
import dev.specula.runtime.model.ModelConfig;
import java.util.Arrays;

/**
 * Attention on the CPU with an F32 key/value cache, parallel over query heads. The cache grows with the sequence
 * ({@link KvCacheGrowth}).
 */
public final class CpuAttention implements Attention {
    private final ModelConfig config;
    private final ComputePool pool;
    private final int capacity;
    private final float[][] keys;
    private final float[][] values;
    /** Positions the arrays of {@link #keys} and {@link #values} hold now. */
    private int held;
    /** One row of scores per query head, so heads can run on different threads. */
    private final float[] scores;
    private final Heads heads = new Heads();

    public CpuAttention(ModelConfig config, int contextLength, ComputePool pool) {
        this.config = config;
        this.pool = pool;
        this.capacity = contextLength;
        Math.multiplyExact(contextLength, config.kvDim()); // a full cache must still fit an array
        this.keys = new float[config.layers()][0];
        this.values = new float[config.layers()][0];
        reserve(KvCacheGrowth.initial(contextLength));
        this.scores = new float[Math.multiplyExact(config.heads(), contextLength)];
    }

    public static AttentionFactory factory(ComputePool pool) {
        return (config, contextLength) -> new CpuAttention(config, contextLength, pool);
    }

    @Override
    public void store(int layer, float[] k, float[] v, int batch, int startPos) {
        int kvDim = config.kvDim();
        reserve(startPos + batch);
        System.arraycopy(k, 0, keys[layer], startPos * kvDim, batch * kvDim);
        System.arraycopy(v, 0, values[layer], startPos * kvDim, batch * kvDim);
    }

    @Override
    public void attend(int layer, float[] q, int batch, int startPos, float[] out) {
        heads.layerKeys = keys[layer];
        heads.layerValues = values[layer];
        heads.q = q;
        heads.out = out;
        heads.batch = batch;
        heads.startPos = startPos;
        pool.parallelFor(config.heads(), heads);
    }

    /** Grows every layer's arrays to hold at least {@code positions}. */
    private void reserve(int positions) {
        if (positions <= held) {
            return;
        }
        int grown = KvCacheGrowth.grown(held, positions, capacity);
        int length = grown * config.kvDim();
        for (int l = 0; l < keys.length; l++) {
            keys[l] = Arrays.copyOf(keys[l], length);
            values[l] = Arrays.copyOf(values[l], length);
        }
        held = grown;
    }

    /** The per-head work of one attend call; reused, so a token allocates nothing here. */
    private final class Heads implements RangeBody {
        float[] layerKeys;
        float[] layerValues;
        float[] q;
        float[] out;
        int batch;
        int startPos;

        @Override
        public void run(int from, int to) {
            int headDim = config.headDim();
            int dim = config.dim();
            int kvDim = config.kvDim();
            int group = config.groupSize();
            for (int h = from; h < to; h++) {
                int kvOff = (h / group) * headDim;
                for (int b = 0; b < batch; b++) {
                    int off = b * dim + h * headDim;
                    AttentionKernel.attendHead(q, off, layerKeys, layerValues, kvOff, kvDim, startPos + b + 1,
                            headDim, scores, h * capacity, out, off);
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
        return 2L * config.layers() * held * config.kvDim() * Float.BYTES + (long) scores.length * Float.BYTES;
    }
}
