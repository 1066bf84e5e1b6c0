package dev.specula.gpu;

import dev.specula.runtime.engine.Attention;
import dev.specula.runtime.engine.KvCacheGrowth;
import dev.specula.runtime.model.ModelConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * One sequence's key/value cache kept on the device (float32, one K and one V buffer per layer of
 * {@code positions x kvHeads*headDim}), with attention computed there: the runtime's {@link Attention}
 * for sessions that run attention on an OpenCL device. The buffers grow with the sequence as the CPU cache does
 * ({@link KvCacheGrowth}): on an integrated GPU they are the host's memory.
 *
 * <p>Not thread-safe (one sequence, one thread), though several caches may share a {@link GpuKernels}.
 */
public final class GpuKvCache implements Attention {

    private final GpuKernels kernels;
    private final OpenClContext ctx;
    private final int layers;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final int capacity;
    /** Positions the buffers of {@link #keys} and {@link #values} hold now. */
    private int held;
    private final List<DeviceBuffer> keys = new ArrayList<>();
    private final List<DeviceBuffer> values = new ArrayList<>();
    private int chunk;
    private DeviceBuffer scratch;
    private DeviceBuffer qBuf;
    private DeviceBuffer outBuf;
    private int ioBatch;

    /** A cache shaped for {@code config} holding {@code contextLength} positions. */
    public static GpuKvCache create(GpuKernels kernels, ModelConfig config, int contextLength) {
        return new GpuKvCache(kernels, config.layers(), config.heads(), config.kvHeads(), config.headDim(), contextLength);
    }

    public GpuKvCache(GpuKernels kernels, int layers, int heads, int kvHeads, int headDim, int capacity) {
        if (layers <= 0 || heads <= 0 || kvHeads <= 0 || headDim <= 0 || capacity <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("bad KV cache shape: layers " + layers + ", heads " + heads
                    + ", kvHeads " + kvHeads + ", headDim " + headDim + ", capacity " + capacity);
        }
        this.kernels = kernels;
        this.ctx = kernels.context();
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.capacity = capacity;
        this.held = KvCacheGrowth.initial(capacity);
        long layerBytes = 4L * held * kvDim();
        try {
            for (int l = 0; l < layers; l++) {
                keys.add(ctx.allocate(layerBytes));
                values.add(ctx.allocate(layerBytes));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Grows every layer's buffers to hold at least {@code positions}, their contents copied on the device. */
    private void reserve(int positions) {
        if (positions <= held) {
            return;
        }
        int grown = KvCacheGrowth.grown(held, positions, capacity);
        long kept = 4L * held * kvDim();
        for (List<DeviceBuffer> buffers : List.of(keys, values)) {
            for (int l = 0; l < layers; l++) {
                DeviceBuffer old = buffers.get(l);
                DeviceBuffer bigger = ctx.allocate(4L * grown * kvDim());
                ctx.copy(old, 0, bigger, 0, kept);
                buffers.set(l, bigger);
                old.close();
            }
        }
        held = grown;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    public int dim() {
        return heads * headDim;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    /** Device bytes the cache holds now (scratch excluded). */
    @Override
    public long bytes() {
        return 2L * layers * held * kvDim() * 4;
    }

    /**
     * Positions per attention chunk (flash-decoding split); 0 (the default) picks it from the sequence
     * length and the device's compute units; a value above the capacity means one unsplit pass.
     */
    public void chunkSize(int positions) {
        if (positions < 0) {
            throw new IllegalArgumentException("chunk size must not be negative: " + positions);
        }
        this.chunk = positions;
    }

    public int chunkSize() {
        return chunk;
    }

    /** The layer's key buffer; a store that grows the cache replaces it, so callers fetch it again. */
    public DeviceBuffer keys(int layer) {
        return keys.get(layer);
    }

    /** The layer's value buffer, replaced as {@link #keys}. */
    public DeviceBuffer values(int layer) {
        return values.get(layer);
    }

    private void checkRange(int batch, int startPos) {
        if (batch < 0 || startPos < 0 || startPos + batch > capacity) {
            throw new IllegalArgumentException("positions " + startPos + ".." + (startPos + batch - 1)
                    + " exceed the KV cache capacity " + capacity);
        }
    }

    /** Stores {@code batch} rows of kvDim floats of k and v at positions startPos.. of {@code layer}. */
    @Override
    public void store(int layer, float[] k, float[] v, int batch, int startPos) {
        checkRange(batch, startPos);
        reserve(startPos + batch);
        long off = (long) startPos * kvDim();
        ctx.write(keys.get(layer), off, k, 0, batch * kvDim());
        ctx.write(values.get(layer), off, v, 0, batch * kvDim());
    }

    /** Device-resident store: copies rows from device buffers (e.g. the K/V projection outputs). */
    public void store(int layer, DeviceBuffer k, DeviceBuffer v, int batch, int startPos) {
        checkRange(batch, startPos);
        reserve(startPos + batch);
        long bytes = 4L * batch * kvDim();
        long off = 4L * startPos * kvDim();
        ctx.copy(k, 0, keys.get(layer), off, bytes);
        ctx.copy(v, 0, values.get(layer), off, bytes);
    }

    /**
     * Attention for {@code batch} query rows (dim floats each, already RoPE'd) at positions startPos..;
     * token b attends positions 0..startPos+b, which must have been stored.
     */
    @Override
    public void attend(int layer, float[] q, int batch, int startPos, float[] out) {
        if (batch == 0) {
            return;
        }
        checkRange(batch, startPos);
        if (qBuf == null || ioBatch < batch) {
            if (qBuf != null) {
                qBuf.close();
                outBuf.close();
            }
            ioBatch = Math.max(batch, ioBatch);
            qBuf = ctx.allocate(4L * ioBatch * dim());
            outBuf = ctx.allocate(4L * ioBatch * dim());
        }
        ctx.write(qBuf, 0, q, 0, batch * dim());
        attend(layer, qBuf, batch, startPos, outBuf);
        ctx.read(outBuf, 0, out, 0, batch * dim());
    }

    /** Device-resident attention: q and out are {@code batch x dim} float buffers. */
    public void attend(int layer, DeviceBuffer q, int batch, int startPos, DeviceBuffer out) {
        checkRange(batch, startPos);
        int len = startPos + batch;
        int c = chunk > 0 ? chunk : kernels.autoChunk(len, batch, heads);
        int nchunks = GpuKernels.chunks(len, c);
        long need = GpuKernels.attentionScratchFloats(batch, heads, headDim, nchunks);
        if (scratch == null || scratch.bytes() < 4 * need) {
            if (scratch != null) {
                scratch.close();
            }
            scratch = ctx.allocate(4 * need);
        }
        kernels.attention(q, keys.get(layer), values.get(layer), out, scratch, batch, startPos, heads, kvHeads,
                headDim, c);
    }

    @Override
    public void close() {
        for (DeviceBuffer b : keys) {
            b.close();
        }
        for (DeviceBuffer b : values) {
            b.close();
        }
        keys.clear();
        values.clear();
        for (DeviceBuffer b : new DeviceBuffer[] {scratch, qBuf, outBuf}) {
            if (b != null) {
                b.close();
            }
        }
        scratch = qBuf = outBuf = null;
    }
}
