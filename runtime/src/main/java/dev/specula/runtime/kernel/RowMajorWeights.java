package dev.specula.runtime.kernel;

import dev.specula.runtime.tensor.Tensor;
import java.lang.foreign.ValueLayout;

/**
 * Shared shape of every storage type: rows stored one after another in a memory segment, so a
 * kernel only has to know how to take the dot product of one row with one activation vector, and
 * of one row with up to {@value #REGISTER_BATCH} activation rows (a LoRA ensemble's members), where
 * each decoded weight vector feeds one FMA per activation row. Larger (prompt) batches go through
 * {@link BatchKernel}, which decodes each row once per batch and broadcasts its values against
 * transposed activations. Rows of four or fewer are first copied to 64-byte boundaries ({@link AlignedRows}).
 */
abstract sealed class RowMajorWeights extends TensorWeights permits ElementWeights, ScaledBlockWeights,
        SuperBlockWeights {

    /**
     * Whether vectors are 512 bits wide, and registers (32 of them) leave room for two weight rows' accumulators
     * in {@link #dot2x4}: Q8_0, Q4_0, BF16 and F16 pair rows only then (on 256-bit vectors' 16 registers the pairs
     * spilled). The activation loads, not the FMAs, bound their four-row products: with one activation row
     * loaded for all four, a Q8_0 block took 1.9 against 3.4 ns in cache; paired, Q4_0 2.3 against 2.7 and BF16
     * 3.9 against 5.5 ns per 32 values streaming (two threads).
     */
    static final boolean PAIRED = Species.LANES == 16;
    /** Rows per touching pass ({@link #registerBatch}): {@link MatMul}'s tile, 35-130 KB of rows of 2048. */
    private static final int TOUCHED_ROWS = MatMul.ROW_TILE;
    private static final int CACHE_LINE = 64;

    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ORDER);

    final long rowBytes;

    RowMajorWeights(Tensor tensor) {
        super(tensor, plain(tensor.data()));
        this.rowBytes = tensor.rowBytes();
    }

    /** The fp16 value at byte {@code at}: a block's scale, offset or super-block scale. */
    final float half(long at) {
        return Float.float16ToFloat(data.get(SHORT, at));
    }

    @Override
    final void registerProducts(float[] x, float[] out, int batch, int rowFrom, int rowTo) {
        AlignedRows copy = AlignedRows.forRows(batch, cols);
        float[] a = copy.data();
        for (int b = 0; b < batch; b++) {
            arrange(x, b * cols, a, copy.row(b));
        }
        if (batch > 1) {
            registerBatch(copy, batch, out, rowFrom, rowTo);
            return;
        }
        int x0 = copy.row(0);
        for (int r = rowFrom; r < rowTo; r++) {
            out[r] = dot(r * rowBytes, a, x0);
        }
    }

    @Override
    final void batchProducts(BatchActivations x, float[] out, int rowFrom, int rowTo) {
        BatchKernel.matmul(this, x, out, rowFrom, rowTo);
    }

    @Override
    final void decodeRow(int r, float[] dst, int offset) {
        dequantize(r * rowBytes, dst, offset);
    }

    /**
     * One activation row, {@code x[from .. from + cols)}, written to {@code dst[to ..]} as this type's
     * {@link #dot} and {@link #dot4} read it: unchanged unless a type reorders columns within a row to
     * match how it decodes its weights. Called once per row per {@link #matmul} call, on the thread that runs it.
     */
    void arrange(float[] x, int from, float[] dst, int to) {
        System.arraycopy(x, from, dst, to, cols);
    }

    /** {@link #matmul} for {@code 1 < batch <= REGISTER_BATCH}, arguments checked and rows arranged. */
    private void registerBatch(AlignedRows copy, int batch, float[] out, int rowFrom, int rowTo) {
        // Fewer than four rows repeat the last one, so every row goes through the same code and
        // identical activation rows (identical ensemble members) get bit-identical results.
        int x1 = copy.row(Math.min(1, batch - 1));
        int x2 = copy.row(Math.min(2, batch - 1));
        int x3 = copy.row(Math.min(3, batch - 1));
        int o1 = Math.min(1, batch - 1) * rows;
        int o2 = Math.min(2, batch - 1) * rows;
        int o3 = Math.min(3, batch - 1) * rows;
        registerBatch(copy.data(), copy.row(0), x1, x2, x3, out, o1, o2, o3, rowFrom, rowTo);
    }

    /**
     * Rows {@code [rowFrom, rowTo)} against the four activation rows at {@code x[x0 ..]}, {@code x[x1 ..]}, ...:
     * row {@code r}'s products go to {@code out[r]}, {@code out[r + o1]}, ... In runs of {@value #TOUCHED_ROWS}
     * rows, each run first read one long per cache line ({@link #touch}), then {@link #batchRows}. The four-row
     * kernels spend so many instructions per weight vector that the core's window reaches only a few cache
     * lines ahead, and the weights then arrive at memory latency rather than bandwidth; the touching loop's
     * loads are independent, so it streams at the memory's speed and leaves the rows in L2. Two threads,
     * rows of 2048 streamed from memory, ns per 32 values per thread: BF16 8.6 -> 6.0, F16 10.0 -> 7.4, Q8_0
     * (paired) 5.1 -> 3.1, Q4_0 (paired) 4.4 -> 3.2. In cache the pass costs what reading the rows again
     * costs: 0.2 ns per Q8_0 block from L2, 0.7-1.4 ns per 32 F16/BF16 values from L3. Touching ahead from
     * inside a kernel's loop ran slower: those loads hold the same window. Touching every other line
     * (adjacent-line prefetch) or runs of 64 rows: slower, the same. F32's four rows a pass too, though a
     * row of it alone streams at the memory's speed: all of tinyllama-1.1b's four-row products, two threads,
     * 127 against 146-151 ms (one row 99-113), its K=4 ensemble 0.77-0.78x against 0.65-0.67x of the single model.
     */
    final void registerBatch(float[] x, int x0, int x1, int x2, int x3, float[] out, int o1, int o2, int o3,
                             int rowFrom, int rowTo) {
        for (int from = rowFrom; from < rowTo; from += TOUCHED_ROWS) {
            int to = Math.min(rowTo, from + TOUCHED_ROWS);
            // Stored where the kernel's scratch is, so C2 cannot drop the loads as unused.
            x[sums(x0)] = touch(from * rowBytes, to * rowBytes);
            batchRows(x, x0, x1, x2, x3, out, o1, o2, o3, from, to);
        }
    }

    /**
     * As {@link #registerBatch}, without touching: rows in fours ({@link #dot4x4}) and pairs ({@link #dot2x4}) as
     * far as the type takes them.
     */
    private void batchRows(float[] x, int x0, int x1, int x2, int x3, float[] out, int o1, int o2, int o3, int rowFrom,
                           int rowTo) {
        int r = rowFrom;
        if (quadsRows()) {
            for (; r + 3 < rowTo; r += 4) {
                dot4x4(r * rowBytes, x, x0, x1, x2, x3, out, r, o1, o2, o3);
            }
        }
        if (pairsRows()) {
            for (; r + 1 < rowTo; r += 2) {
                dot2x4(r * rowBytes, x, x0, x1, x2, x3, out, r, o1, o2, o3);
            }
        }
        for (; r < rowTo; r++) {
            dot4(r * rowBytes, x, x0, x1, x2, x3, out, r, r + o1, r + o2, r + o3);
        }
    }

    /**
     * Whether {@link #batchRows} hands rows out two at a time ({@link #dot2x4}): the types with a kernel for two rows,
     * where {@link #PAIRED} (F32 always). The others take one row at a time: two of their {@link #dot4}s in one
     * pair's frame shared nothing and only gave C2 more to inline, which the k-quants' kernels, near its node limit
     * already, can ill spare. (Made after a CI run saw a Q5_K_M ensemble decode box vectors, 1.3 MB a token; that run
     * also had the members' attention as one pool job, since taken out, the likelier cause.)
     */
    boolean pairsRows() {
        return false;
    }

    /** Whether {@link #batchRows} hands rows out four at a time ({@link #dot4x4}) before pairs. */
    boolean quadsRows() {
        return false;
    }

    /**
     * Four rows from the one at byte {@code rowOffset} against four activation rows in one pass, row {@code o + i}'s
     * products into {@code out[o + i]}, {@code out[o + i + o1]}, ...; per row the same operations in the same order
     * as {@link #dot4}. Called only where {@link #quadsRows}.
     */
    void dot4x4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] out, int o, int o1, int o2,
                int o3) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no four-row kernel");
    }

    /**
     * The row at byte {@code rowOffset} and the next one against four activation rows in one pass, so each
     * activation vector loaded feeds two FMAs, into {@code out[o]}, {@code out[o + o1]}, ... and
     * {@code out[o + 1]}, {@code out[o + 1 + o1]}, ...; per row the same operations in the same order as
     * {@link #dot4}, so a row's result does not depend on its pairing. Called only where {@link #pairsRows}.
     */
    void dot2x4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] out, int o, int o1, int o2,
                int o3) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no two-row kernel");
    }

    /** Reads bytes {@code [from, to)} of the weights one long per 64-byte line; returns their sum, for nothing. */
    final float touch(long from, long to) {
        long sum = 0;
        int lines = (int) ((to - from) / CACHE_LINE);
        for (int i = 0; i < lines; i++) {
            sum += data.get(LONG, from + (long) i * CACHE_LINE);
        }
        return sum;
    }

    /**
     * Dot products of the row at byte {@code rowOffset} with four activation rows ({@code x[x0 ..]},
     * {@code x[x1 ..]}, ...) into {@code out[o0]}, {@code out[o1]}, ... {@code x} is an {@link AlignedRows}
     * buffer with {@code x0} its row 0, so the kernel may use the {@link #sums} before it.
     */
    abstract void dot4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] out, int o0, int o1, int o2,
                       int o3);

    /**
     * Dot product of the row starting at byte {@code rowOffset} with {@code x[xOffset .. xOffset + cols)}, an
     * {@link AlignedRows} buffer's row 0 (as {@link #dot4}).
     */
    abstract float dot(long rowOffset, float[] x, int xOffset);

    /**
     * Where a kernel whose activation row 0 is at {@code x0} stores its accumulators to sum their lanes
     * ({@link VectorMath#sumLanes(float[], int)}). Kernels never pass a vector to a method of ours to reduce
     * it: a large kernel reaches C2's inlining node limit before its last calls, a vector passed to a call
     * that is not inlined is boxed, and then every row allocated (Q4_0's four-row kernel: hundreds of young
     * collections per 200 ensemble tokens). A store and scalar sums need no inlining.
     */
    static int sums(int x0) {
        return x0 - AlignedRows.SUMS;
    }

    /** {@code out[o0]}, ... {@code out[o3]}: the lane sums of four accumulators stored at {@code x[sums ..]}. */
    static void storeSums(float[] x, int sums, float[] out, int o0, int o1, int o2, int o3) {
        out[o0] = VectorMath.sumLanes(x, sums);
        out[o1] = VectorMath.sumLanes(x, sums + Species.LANES);
        out[o2] = VectorMath.sumLanes(x, sums + 2 * Species.LANES);
        out[o3] = VectorMath.sumLanes(x, sums + 3 * Species.LANES);
    }

    /** Writes the row starting at byte {@code rowOffset} as floats to {@code dst[offset ..]}. */
    abstract void dequantize(long rowOffset, float[] dst, int offset);
}
