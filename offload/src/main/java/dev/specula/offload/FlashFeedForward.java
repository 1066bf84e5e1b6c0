package dev.specula.offload;

import dev.specula.devices.StorageThrottle;
import dev.specula.runtime.engine.FeedForward;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.MatMul;
import dev.specula.runtime.kernel.RangeBody;
import dev.specula.runtime.kernel.VectorMath;
import dev.specula.runtime.kernel.Weights;
import dev.specula.runtime.model.ModelConfig;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.zip.CRC32C;

/**
 * A sparse SwiGLU feed-forward whose neurons stream from flash. Per token and layer: the
 * predictor scores every neuron, those whose |silu(score)| reaches the layer's threshold are used,
 * the window admits the ones not in memory, the reader fetches exactly those bundles, and the
 * layer is computed over the cached slots. Tokens of a batch run one after another, each with its
 * own neuron set. Not thread-safe, like the transformer that calls it.
 *
 * <p>With {@link PredictorKind#ALL} and a cache smaller than the layer (the paper's naive loading),
 * the neurons that do not fit are not dropped: they are read again every token, a few at a time into
 * a small stream buffer, and computed from there.
 */
public final class FlashFeedForward implements FeedForward, AutoCloseable {
    /** Neurons per parallel task. */
    private static final int ROW_TILE = 16;
    /** Most neurons the naive baseline streams at a time. */
    private static final int STREAM_SLOTS = 128;
    /**
     * Batches of at least this many rows (prompts) stream each layer whole, in large sequential reads
     * shared by the batch, instead of reading each row's predicted neurons in small random reads.
     */
    static final int PREFILL_MIN_BATCH = 8;
    /** Neurons per group of a streamed layer; two groups are in memory, one read while the other computes. */
    private static final int PREFILL_SLOTS = 256;

    /**
     * @param capacity   cached neurons per layer (0: all of them)
     * @param window     tokens whose neurons stay cached
     * @param chunkBytes largest single read
     * @param ioThreads  reads in flight
     * @param stagingBytes read buffer (0: a default)
     * @param throttle   simulated storage device, or null
     * @param pageCache  copy bundles from the memory mapping instead of reading them with O_DIRECT: the
     *                   naive baseline, whose page-cache pages count in the process's RSS beyond any budget
     */
    public record Options(PredictorKind predictor, double sparsity, int window, int capacity, long chunkBytes,
                          int ioThreads, long stagingBytes, StorageThrottle throttle, boolean pageCache) {
        public static final int DEFAULT_WINDOW = 5;
        public static final long DEFAULT_CHUNK = 256 * 1024;
        public static final int DEFAULT_IO_THREADS = 8;

        public static Options allActive() {
            return new Options(PredictorKind.ALL, 0, DEFAULT_WINDOW, 0, DEFAULT_CHUNK, DEFAULT_IO_THREADS, 0, null, false);
        }
    }

    private final ComputePool pool;
    private final Arena arena = Arena.ofShared();
    /** Checks each bundle read; used by one reading thread at a time. */
    private final CRC32C crc = new CRC32C();
    private final BundleReader.Sink checkedSink;
    private int loadLayer;
    private BundleReader.Sink loadSink;
    private final int dim;
    private final int hidden;
    private final int layers;
    private final long[] offsets;
    private final MemorySegment[] mapped;
    private final long stride;
    private final Predictor predictor;
    private final float[] thresholds;
    private final NeuronWindow[] windows;
    private final NeuronSlabs[] slabs;
    private final BundleReader.Sink[] sinks;
    private final BundleReader reader;
    /** The naive baseline's overflow: a buffer of {@code streamSlots} neurons, empty when everything fits. */
    private final NeuronSlabs stream;
    private final int[] streamNeurons;
    private final int[] streamSlot;
    private final BundleReader.Sink streamSink;
    private long streamed;
    private final float[] xb;
    private final float[] scores;
    private final float[] gateBySlot;
    private final float[] upBySlot;
    private final float[] h;
    private final float[] u;
    private final int[] activeSlots;
    /** Per compute thread: a dequantized down column and a partial output. */
    private final float[][] column;
    private final float[][] partial;
    private final RangeBody gateUpRows = this::gateUpRows;
    private final RangeBody downColumns = this::downColumns;
    private int activeNow;
    private int gateUpFrom;
    private NeuronSlabs slabsNow;
    /** Reads a layer's misses while the compute threads work on the neurons it already holds. */
    private final Overlap overlap;
    private final Runnable readMisses = this::readMisses;
    private int readingLayer;
    private int readingCount;
    /** Streamed layers (prefill): two groups of neurons, null when the cache holds whole layers. */
    private final NeuronSlabs[] groups;
    private final int groupSlots;
    private final int[] groupNeurons;
    private final BundleReader.Sink groupSink;
    private final Runnable readGroup = this::readGroup;
    private final RangeBody decodeGroup = this::decodeGroup;
    private final RangeBody groupDown = this::groupDown;
    private final float[] groupColumns;
    private NeuronSlabs groupTarget;
    private int groupStart;
    private int groupSize;
    private int batchNow;
    private float[] outNow;
    /** Gate, then SwiGLU, of each batch row for the group's neurons; grows to the largest batch seen. */
    private float[] groupGate = new float[0];
    private float[] groupUp = new float[0];
    private long steps;
    private long active;
    private long predictNanos;
    private long computeNanos;
    private long mappedBytes;
    private long mappedNanos;

    public FlashFeedForward(FlashModel model, ComputePool pool, Options o) {
        this.pool = pool;
        ModelConfig c = model.config();
        FlashLayout layout = model.layout();
        dim = c.dim();
        hidden = c.hiddenDim();
        layers = c.layers();
        int capacity = o.capacity() <= 0 ? hidden : Math.min(o.capacity(), hidden);
        offsets = new long[layers];
        mapped = o.pageCache() ? new MemorySegment[layers] : null;
        stride = layout.stride();
        windows = new NeuronWindow[layers];
        slabs = new NeuronSlabs[layers];
        sinks = new BundleReader.Sink[layers];
        try {
            predictor = model.predictor(o.predictor(), pool, arena);
            thresholds = predictor == null ? null : model.thresholds(o.predictor(), o.sparsity());
            for (int l = 0; l < layers; l++) {
                offsets[l] = model.bundleOffset(l);
                if (mapped != null) {
                    mapped[l] = model.mappedBundles(l);
                }
                slabs[l] = new NeuronSlabs(arena, "blk." + l + ".cached", dim, capacity, layout.rowType(), layout.downType());
                windows[l] = new NeuronWindow(hidden, capacity, o.window(), slabs[l]);
                NeuronWindow w = windows[l];
                NeuronSlabs s = slabs[l];
                sinks[l] = (neuron, staging, offset) -> s.store(w.slot(neuron), staging, offset);
            }
            long staging = o.stagingBytes() > 0 ? o.stagingBytes() : defaultStaging(layout.stride() * hidden, o.chunkBytes());
            reader = new BundleReader(model.file(), hidden, layout.stride(), o.chunkBytes(), o.ioThreads(), staging,
                    o.throttle());
            int streamSlots = o.predictor() == PredictorKind.ALL && capacity < hidden
                    ? streamSlots(hidden) : 0;
            stream = streamSlots == 0 ? null
                    : new NeuronSlabs(arena, "stream", dim, streamSlots, layout.rowType(), layout.downType());
            streamNeurons = new int[streamSlots];
            streamSlot = new int[streamSlots == 0 ? 0 : hidden];
            streamSink = stream == null ? null : (neuron, buffer, offset) -> stream.store(streamSlot[neuron], buffer, offset);
            groupSlots = capacity < hidden ? groupSlots(hidden) : 0;
            groups = groupSlots == 0 ? null : new NeuronSlabs[]{
                    new NeuronSlabs(arena, "prefill0", dim, groupSlots, layout.rowType(), layout.downType()),
                    new NeuronSlabs(arena, "prefill1", dim, groupSlots, layout.rowType(), layout.downType())};
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        xb = new float[dim];
        scores = new float[hidden];
        int slots = Math.max(capacity, streamNeurons.length);
        gateBySlot = new float[slots];
        upBySlot = new float[slots];
        h = new float[slots];
        u = new float[slots];
        activeSlots = new int[slots];
        column = new float[pool.threads()][dim];
        partial = new float[pool.threads()][dim];
        overlap = new Overlap("specula-flash-read");
        groupNeurons = new int[groupSlots];
        groupColumns = new float[groupSlots * dim];
        groupSink = (neuron, buffer, offset) -> groupTarget.store(neuron - groupStart, buffer, offset);
        checkedSink = (neuron, buffer, offset) -> {
            model.checkNeuron(loadLayer, neuron, buffer, offset, crc);
            loadSink.accept(neuron, buffer, offset);
        };
    }

    /** Large groups for large layers (long reads, few rounds); small models' groups stay a fraction of a layer. */
    static int groupSlots(int hidden) {
        return Math.clamp(hidden / 8, 1, PREFILL_SLOTS);
    }

    /**
     * Memory a streamed layer takes beyond the neuron caches: two groups of bundles, their decoded
     * down columns and the gate/up of {@code batch} rows.
     */
    static long prefillBytes(int dim, int hidden, long slotBytes, int batch) {
        long slots = groupSlots(hidden);
        return 2 * slots * slotBytes + slots * dim * Float.BYTES + 2L * batch * slots * Float.BYTES;
    }

    /** Enough for a whole layer when small, else sixteen full chunks in flight. */
    static long defaultStaging(long layerBytes, long chunkBytes) {
        return Math.min(layerBytes + 2 * BundleReader.ALIGN, Math.max(16 * chunkBytes, 1 << 20));
    }

    /**
     * Neurons the naive baseline streams at a time: enough that the per-batch parallel compute does
     * not dominate small models, few enough that the buffer stays small next to a tight budget.
     */
    static int streamSlots(int hidden) {
        return Math.min(hidden, STREAM_SLOTS);
    }

    @Override
    public void forward(int layer, float[] x, float[] out, int batch) {
        if (batch >= PREFILL_MIN_BATCH && groups != null) {
            streamLayer(layer, x, out, batch);
            return;
        }
        NeuronWindow window = windows[layer];
        NeuronSlabs slab = slabs[layer];
        for (int b = 0; b < batch; b++) {
            long t0 = System.nanoTime();
            System.arraycopy(x, b * dim, xb, 0, dim);
            active += pickNeurons(layer, window);
            steps++;
            long t1 = System.nanoTime();
            predictNanos += t1 - t0;
            int admitted = window.admit();
            int slots = window.activeSlots(activeSlots);
            int resident = slots - admitted;
            if (admitted > 0) {
                readingLayer = layer;
                readingCount = admitted;
                overlap.start(readMisses);
            }
            gateUp(slab, 0, resident);
            if (admitted > 0) {
                long wait = System.nanoTime();
                overlap.await();
                t1 += System.nanoTime() - wait;
                gateUp(slab, resident, slots);
            }
            downSum(slots, out, b * dim, false);
            computeNanos += System.nanoTime() - t1;
            if (stream != null) {
                streamOverflow(layer, window.misses(), admitted, window.missCount(), out, b * dim);
            }
        }
    }

    /**
     * Every neuron of the layer for every row of the batch, exactly as the dense layer: groups of
     * neurons are read in order (large sequential reads, each bundle once for the whole batch), the
     * next group while this one is computed. The window is warmed for the token that follows.
     */
    private void streamLayer(int layer, float[] x, float[] out, int batch) {
        int slots = groupSlots;
        if (groupGate.length < batch * slots) {
            groupGate = new float[batch * slots];
            groupUp = new float[batch * slots];
        }
        steps += batch;
        active += (long) batch * hidden;
        int warmed = warmWindow(layer, x, batch);
        int[] admittedNeurons = windows[layer].misses();
        int next = 0;
        java.util.Arrays.fill(out, 0, batch * dim, 0f);
        startGroup(layer, 0);
        for (int g = 0; g * slots < hidden; g++) {
            overlap.await();
            NeuronSlabs group = groupTarget;
            int start = groupStart;
            int n = groupSize;
            if (start + n < hidden) {
                startGroup(layer, g + 1);
            }
            long t = System.nanoTime();
            for (; next < warmed && admittedNeurons[next] < start + n; next++) {
                int neuron = admittedNeurons[next];
                slabs[layer].copy(group, neuron - start, windows[layer].slot(neuron));
            }
            // Whole groups of rows (the last group's rows beyond n hold earlier neurons and are ignored).
            MatMul.matmul(pool, group.gate(), x, groupGate, batch);
            MatMul.matmul(pool, group.up(), x, groupUp, batch);
            for (int b = 0; b < batch; b++) {
                VectorMath.swiglu(groupGate, b * slots, groupUp, b * slots, n);
            }
            slabsNow = group;
            activeNow = n;
            pool.parallelFor(n, decodeGroup);
            batchNow = batch;
            outNow = out;
            pool.parallelFor(pool.threads(), groupDown);
            outNow = null;
            computeNanos += System.nanoTime() - t;
        }
    }

    /**
     * Admits to the layer's window the neurons the predictor picks for the batch's last row (the
     * token decoding continues from), to be copied from the groups as they stream past, so decoding
     * starts with a warm cache and no extra reads. Returns how many were admitted: the window's
     * {@code misses()[0 ..)}, ascending.
     */
    private int warmWindow(int layer, float[] x, int batch) {
        NeuronWindow window = windows[layer];
        System.arraycopy(x, (batch - 1) * dim, xb, 0, dim);
        long t = System.nanoTime();
        pickNeurons(layer, window);
        predictNanos += System.nanoTime() - t;
        return window.admit();
    }

    /** Starts a token in {@code window} using the neurons the predictor picks for {@link #xb} (all without one); returns their count. */
    private int pickNeurons(int layer, NeuronWindow window) {
        window.beginToken();
        if (predictor == null) {
            for (int i = 0; i < hidden; i++) {
                window.use(i);
            }
            return hidden;
        }
        predictor.gateScores(layer, xb, scores);
        float threshold = thresholds[layer];
        int used = 0;
        for (int i = 0; i < hidden; i++) {
            if (Predictor.fires(scores[i], threshold)) {
                window.use(i);
                used++;
            }
        }
        return used;
    }

    /** Reads group {@code g} of the layer into the group buffer not in use, on {@link #overlap}'s thread. */
    private void startGroup(int layer, int g) {
        groupTarget = groups[g & 1];
        groupStart = g * groupSlots;
        groupSize = Math.min(groupSlots, hidden - groupStart);
        for (int k = 0; k < groupSize; k++) {
            groupNeurons[k] = groupStart + k;
        }
        readingLayer = layer;
        overlap.start(readGroup);
    }

    private void readGroup() {
        load(readingLayer, groupNeurons, groupSize, groupSink);
    }

    private void decodeGroup(int from, int to) {
        for (int k = from; k < to; k++) {
            slabsNow.down().row(k, groupColumns, k * dim);
        }
    }

    /** Part {@code p} of {@code pool.threads()} adds its share of the output dimensions for every row. */
    private void groupDown(int fromPart, int toPart) {
        int parts = pool.threads();
        for (int p = fromPart; p < toPart; p++) {
            int d0 = (int) ((long) dim * p / parts);
            int d1 = (int) ((long) dim * (p + 1) / parts);
            for (int k = 0; k < activeNow; k++) {
                for (int b = 0; b < batchNow; b++) {
                    VectorMath.axpy(groupGate[b * groupSlots + k], groupColumns, k * dim + d0, outNow, b * dim + d0, d1 - d0);
                }
            }
        }
    }

    /** The misses of {@link #readingLayer}, into their slots; runs on {@link #overlap}'s thread. */
    private void readMisses() {
        load(readingLayer, windows[readingLayer].misses(), readingCount, sinks[readingLayer]);
    }

    /** Every bundle read, whichever way, is checked against its stored checksum before {@code sink} gets it. */
    private void load(int layer, int[] neurons, int count, BundleReader.Sink sink) {
        loadLayer = layer;
        loadSink = sink;
        if (mapped == null) {
            reader.read(offsets[layer], neurons, count, checkedSink);
        } else {
            copyMapped(layer, neurons, count, checkedSink);
        }
    }

    /** Reads and adds the misses {@code [from, to)} that found no slot, one stream buffer at a time. */
    private void streamOverflow(int layer, int[] misses, int from, int to, float[] out, int outOffset) {
        for (int start = from; start < to; start += streamNeurons.length) {
            int n = Math.min(streamNeurons.length, to - start);
            System.arraycopy(misses, start, streamNeurons, 0, n);
            for (int k = 0; k < n; k++) {
                streamSlot[streamNeurons[k]] = k;
                activeSlots[k] = k;
            }
            load(layer, streamNeurons, n, streamSink);
            long t = System.nanoTime();
            gateUp(stream, 0, n);
            downSum(n, out, outOffset, true);
            computeNanos += System.nanoTime() - t;
        }
        streamed += to - from;
    }

    private void copyMapped(int layer, int[] neurons, int count, BundleReader.Sink sink) {
        long start = System.nanoTime();
        for (int j = 0; j < count; j++) {
            sink.accept(neurons[j], mapped[layer], neurons[j] * stride);
        }
        mappedBytes += count * stride;
        mappedNanos += System.nanoTime() - start;
    }

    /**
     * The gate and up rows of the slots {@code activeSlots[from .. to)}: only this token's neurons are
     * computed, the window's other cached neurons stay idle.
     */
    private void gateUp(NeuronSlabs slab, int from, int to) {
        slabsNow = slab;
        gateUpFrom = from;
        activeNow = to;
        pool.parallelFor((to - from + ROW_TILE - 1) / ROW_TILE, gateUpRows);
    }

    /**
     * SwiGLU and the down columns of the first {@code active} slots, whose gate and up are computed, scaled and
     * summed, split over the threads by neuron with one partial output each, added in thread order
     * (deterministic); {@code accumulate} adds to {@code out}.
     */
    private void downSum(int active, float[] out, int outOffset, boolean accumulate) {
        activeNow = active;
        for (int k = 0; k < active; k++) {
            h[k] = gateBySlot[activeSlots[k]];
            u[k] = upBySlot[activeSlots[k]];
        }
        VectorMath.swiglu(h, 0, u, 0, active);
        int parts = pool.threads();
        pool.parallelFor(parts, downColumns);
        if (accumulate) {
            VectorMath.add(out, outOffset, partial[0], 0, dim);
        } else {
            System.arraycopy(partial[0], 0, out, outOffset, dim);
        }
        for (int t = 1; t < parts; t++) {
            VectorMath.add(out, outOffset, partial[t], 0, dim);
        }
    }

    private void gateUpRows(int fromTile, int toTile) {
        int to = Math.min(activeNow, gateUpFrom + toTile * ROW_TILE);
        Weights gate = slabsNow.gate();
        Weights up = slabsNow.up();
        for (int k = gateUpFrom + fromTile * ROW_TILE; k < to; k++) {
            int slot = activeSlots[k];
            gate.matmul(xb, gateBySlot, 1, slot, slot + 1);
            up.matmul(xb, upBySlot, 1, slot, slot + 1);
        }
    }

    /** Parts {@code [fromPart, toPart)} of {@code pool.threads()} each sum their share of the active down columns. */
    private void downColumns(int fromPart, int toPart) {
        int parts = pool.threads();
        Weights down = slabsNow.down();
        for (int p = fromPart; p < toPart; p++) {
            float[] acc = partial[p];
            float[] col = column[p];
            java.util.Arrays.fill(acc, 0f);
            int to = (int) ((long) activeNow * (p + 1) / parts);
            for (int k = (int) ((long) activeNow * p / parts); k < to; k++) {
                down.row(activeSlots[k], col, 0);
                VectorMath.axpy(h[k], col, 0, acc, 0, dim);
            }
        }
    }

    NeuronSlabs slabs(int layer) {
        return slabs[layer];
    }

    NeuronWindow window(int layer) {
        return windows[layer];
    }

    public FlashStats stats() {
        long hits = 0;
        long loads = 0;
        long dropped = 0;
        for (NeuronWindow w : windows) {
            hits += w.hits();
            loads += w.loads();
            dropped += w.dropped();
        }
        dropped -= streamed; // streamed neurons were computed, not dropped
        if (mapped != null) {
            return new FlashStats(steps, layers, hidden, active, hits, loads, dropped, mappedBytes, 0, predictNanos,
                    mappedNanos, computeNanos, false);
        }
        return new FlashStats(steps, layers, hidden, active, hits, loads, dropped, reader.bytesRead(), reader.reads(),
                predictNanos, reader.nanos(), computeNanos, reader.direct());
    }

    /** Bytes this feed-forward keeps in memory: neuron caches, predictor, read buffer. */
    public long memoryBytes() {
        long bytes = reader.stagingBytes() + (predictor == null ? 0 : predictor.residentBytes())
                + (stream == null ? 0 : stream.bytes());
        for (NeuronSlabs s : slabs) {
            bytes += s.bytes();
        }
        return bytes;
    }

    @Override
    public void close() {
        overlap.close();
        reader.close();
        arena.close();
    }
}
