package dev.specula.runtime.kernel;

import java.util.Objects;

/**
 * A prompt batch's activations transposed for {@link BatchKernel}: slice by slice of
 * {@link BatchKernel#DEPTH} columns, and within a slice in groups of {@link BatchKernel#TILE_COLUMNS}
 * batch entries, entry {@code b}'s value at column {@code k + i} ({@code k} a multiple of {@code DEPTH})
 * sits at {@code data[k * width + g * depth * TILE_COLUMNS + i * TILE_COLUMNS + b % TILE_COLUMNS]},
 * {@code g = b / TILE_COLUMNS}, so that a tile walks its group with a constant stride (C2 then drops
 * the bounds checks). Entries from {@code batch} to {@code width} are zero: their sums are computed
 * and never read.
 *
 * <p>{@link MatMul} lays a batch out once, split over the pool's threads, and every thread reads it.
 * Each thread used to transpose the whole batch for itself: 16 threads kept 16 copies of up to 720 KB
 * (32 tokens of a 5632-wide input) in the heap and did the same transposition 16 times. `bench` on the
 * tinyllama-1.1b shape with 16 threads of a 16-core Xeon: prompts 1.3-1.4x faster (Q4_0 168 -> 236-241
 * tok/s, Q8_0 162-189 -> 231-244), heap and buffers 101-106 -> 72-81 MiB (with a 16 MiB young generation).
 */
public final class BatchActivations {

    private static final ThreadLocal<BatchActivations> OWN = ThreadLocal.withInitial(BatchActivations::new);

    private float[] data = new float[0];
    private float[] x;
    private int cols;
    private int batch;
    private int width;

    BatchActivations() {
    }

    /**
     * This thread's own layout of {@code x}'s {@code batch} rows of {@code cols}, for a product called
     * without {@link MatMul}; valid until this thread's next call.
     */
    static BatchActivations ofThisThread(float[] x, int cols, int batch) {
        BatchActivations a = OWN.get();
        a.prepare(x, cols, batch);
        a.fill(0, a.units());
        a.release();
        return a;
    }

    /**
     * Sizes this layout for {@code batch} rows of {@code cols} taken from {@code x}; {@link #fill} then
     * writes its {@link #units}, in any order and from any threads.
     */
    void prepare(float[] x, int cols, int batch) {
        Objects.checkFromIndexSize(0, (long) batch * cols, x.length);
        this.x = x;
        this.cols = cols;
        this.batch = batch;
        this.width = Math.ceilDiv(batch, BatchKernel.TILE_COLUMNS) * BatchKernel.TILE_COLUMNS;
        int size = Math.multiplyExact(cols, width);
        if (data.length < size) {
            data = new float[size];
        }
    }

    /** Pieces of the layout that {@link #fill} writes independently: one group of one slice each. */
    int units() {
        return Math.ceilDiv(cols, BatchKernel.DEPTH) * groups();
    }

    /** Writes units {@code [from, to)}; each is a contiguous region of {@link #data()}, 32 KB at most. */
    void fill(int from, int to) {
        for (int u = from; u < to; u++) {
            int k = u / groups() * BatchKernel.DEPTH;
            int g = u % groups();
            int depth = Math.min(BatchKernel.DEPTH, cols - k);
            for (int e = 0; e < BatchKernel.TILE_COLUMNS; e++) {
                int b = g * BatchKernel.TILE_COLUMNS + e;
                int at = k * width + g * depth * BatchKernel.TILE_COLUMNS + e;
                int row = b * cols + k;
                for (int i = 0; i < depth; i++) {
                    data[at + i * BatchKernel.TILE_COLUMNS] = b < batch ? x[row + i] : 0f;
                }
            }
        }
    }

    /** Drops the reference to the caller's activations once the product is done. */
    void release() {
        x = null;
    }

    private int groups() {
        return width / BatchKernel.TILE_COLUMNS;
    }

    float[] data() {
        return data;
    }

    int cols() {
        return cols;
    }

    int batch() {
        return batch;
    }

    /** The batch rounded up to whole groups of {@link BatchKernel#TILE_COLUMNS}. */
    int width() {
        return width;
    }
}
