package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.LANES;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * The batched (prompt) product for any storage type, laid out as a BLAS kernel is: vectors run along
 * the batch, not along a row, so no sum is ever reduced across lanes. The activations come transposed
 * ({@link BatchActivations}: a column then holds one value per batch entry, contiguous); each thread decodes
 * its weight rows four tiles at a time; every decoded value is broadcast against activation vectors in a tile
 * of {@link #TILE_ROWS} rows by two vectors, whose sums stay in registers with the two activation vectors and one
 * broadcast: eight rows (16 sums, 10 loads per 16 FMAs) where the core has 32 vector registers, six (12 sums, 8
 * loads per 12 FMAs) in AVX2's 16. The
 * columns go by in slices of {@value #DEPTH}, so a slice of the transposed activations (16 to 256 KiB
 * for 8 to 128 prompt tokens) stays in L2 while every tile of the block passes over it, and the sums
 * are carried from one slice to the next in a per-thread array.
 *
 * <p>Against the former tiles along the rows (4 rows x 2 batch entries, one horizontal sum per output),
 * 128-token prompts on the tinyllama-1.1b shape ran 1.7-1.9x faster with AVX-512 (Q8_0 47 -> 83 tok/s,
 * Q4_0 58 -> 108, BF16 41 -> 70, two threads) and 1.2x with AVX2.
 *
 * <p>Each sum adds its products in column order, the same in every lane, so identical activation rows
 * (identical ensemble members) get bit-identical outputs wherever they sit in the batch.
 */
final class BatchKernel {

    /**
     * Eight with AVX-512 (and on Arm, whose cores have 32 vector registers too), where a group of interleaved rows
     * (32, 16 or 8) is then whole tiles: six left 36 rows' work for 32. Products of 128 prompt rows with 5632x2048,
     * two threads, Zen 5, ns per 32 values against six: Q4_0 32-35 against 38-40, Q6_K 33-36 against 38-41; with
     * 128-bit vectors (groups of eight) Q4_0 87-92 against 131-136. With AVX2 eight rows' sums spill: Q4_0 73-78
     * against 55-70, F16 71-77 against 47-56.
     */
    static final int TILE_ROWS = Species.LANES == 16 || "aarch64".equals(System.getProperty("os.arch")) ? 8 : 6;
    /**
     * Columns per slice: a multiple of the quant block, small enough for the slice to stay in L2. 128-token prompts,
     * tinyllama-1.1b, two threads, Zen 5 (1 MB of L2 per core), two runs each in turn, tok/s with 512 against 256:
     * Q4_0 119-120 against 103-110, Q8_0 121-124 against 104-112, F16 116-126 against 108-110, Q6_K 119 against
     * 104-108; 1024 was no faster than 256.
     */
    static final int DEPTH = 512;
    static final int TILE_COLUMNS = 2 * LANES;

    /**
     * Tiles of rows decoded at a time, whole (a row read from start to end streams from memory; slices of many
     * rows read at once did not, and decoded four times slower).
     */
    private static final int BLOCK_TILES = 4;

    private static final ThreadScratch DECODED = new ThreadScratch();
    private static final ThreadScratch SUMS = new ThreadScratch();

    private BatchKernel() {
    }

    /** {@code out[b * rows + r] = W[r] . x[b * cols ..]} for {@code r} in {@code [rowFrom, rowTo)}, every {@code b < batch}. */
    static void matmul(Weights w, BatchActivations x, float[] out, int rowFrom, int rowTo) {
        matmul(w, x, out, rowFrom, rowTo, TILE_ROWS);
    }

    /** {@link #matmul(Weights, BatchActivations, float[], int, int)} in tiles of {@code tileRows}, 6 or 8. */
    static void matmul(Weights w, BatchActivations x, float[] out, int rowFrom, int rowTo, int tileRows) {
        int cols = w.cols();
        int blockRows = BLOCK_TILES * tileRows;
        float[] rows = DECODED.atLeast(blockRows * cols);
        for (int from = rowFrom; from < rowTo; from += blockRows) {
            int to = Math.min(from + blockRows, rowTo);
            int padded = ceil(to - from, tileRows);
            // A short last tile repeats the block's last row: every tile runs the same code.
            for (int i = 0; i < padded; i++) {
                w.row(Math.min(from + i, to - 1), rows, i * cols);
            }
            products(w, x, out, rows, cols, 1, from, from, to, tileRows);
        }
    }

    /**
     * As {@link #matmul}, for weights that decode {@link GroupDecoding#decodedRows} rows at once, column after
     * column; {@code rowFrom} starts such a run. The tiles then step through a column's rows one float apart, and
     * from one column to the next a run apart.
     */
    static void matmul(GroupDecoding w, BatchActivations x, float[] out, int rowFrom, int rowTo) {
        matmul(w, x, out, rowFrom, rowTo, TILE_ROWS);
    }

    /** {@link #matmul(GroupDecoding, BatchActivations, float[], int, int)} in tiles of {@code tileRows}, 6 or 8. */
    static void matmul(GroupDecoding w, BatchActivations x, float[] out, int rowFrom, int rowTo, int tileRows) {
        int group = w.decodedRows();
        // Where tiles do not divide a group, its last tile reads past its last row (into the next column, or the
        // slack after the last): rows whose sums are never stored.
        float[] columns = DECODED.atLeast(group * w.cols() + tileRows);
        for (int first = rowFrom / group * group; first < rowTo; first += group) {
            w.decodeGroup(first, columns);
            products(w, x, out, columns, 1, group, first, Math.max(first, rowFrom), Math.min(first + group, rowTo),
                    tileRows);
        }
    }

    /**
     * Rows {@code [from, to)}, decoded from row {@code first} on to {@code w[(r - first) * rowStep + k * columnStep]},
     * against every batch entry, to {@code out}.
     */
    private static void products(Weights weights, BatchActivations x, float[] out, float[] w, int rowStep,
                                 int columnStep, int first, int from, int to, int tileRows) {
        int cols = weights.cols();
        int batch = x.batch();
        int width = x.width();
        float[] xt = x.data();
        int padded = ceil(to - first, tileRows);
        float[] sums = SUMS.atLeast(padded * width);
        Arrays.fill(sums, 0, padded * width, 0f);
        for (int k = 0; k < cols; k += DEPTH) {
            int depth = Math.min(DEPTH, cols - k);
            for (int t = 0; t < padded; t += tileRows) {
                for (int c = 0; c < width; c += TILE_COLUMNS) {
                    if (tileRows == 8) {
                        tile8x2(w, t * rowStep + k * columnStep, rowStep, columnStep, depth, xt, k * width + c * depth,
                                sums, t * width + c, width);
                    } else {
                        tile6x2(w, t * rowStep + k * columnStep, rowStep, columnStep, depth, xt, k * width + c * depth,
                                sums, t * width + c, width);
                    }
                }
            }
        }
        // Along the rows, so stores are contiguous: along the batch they are a row apart, and with rows
        // a power of two they all fell in one L1 set (a tenth of the call's time).
        for (int b = 0; b < batch; b++) {
            for (int r = from; r < to; r++) {
                out[b * weights.rows() + r] = sums[(r - first) * width + b];
            }
        }
    }

    private static int ceil(int n, int multiple) {
        return Math.ceilDiv(n, multiple) * multiple;
    }

    /** As {@link #tile6x2}, for eight weight rows: for cores with 32 vector registers. */
    private static void tile8x2(float[] w, int t, int stride, int step, int depth, float[] slice, int g, float[] sums,
                                int s, int width) {
        int s1 = s + width;
        int s2 = s1 + width;
        int s3 = s2 + width;
        int s4 = s3 + width;
        int s5 = s4 + width;
        int s6 = s5 + width;
        int s7 = s6 + width;
        FloatVector a00 = load(sums, s);
        FloatVector a01 = load(sums, s + LANES);
        FloatVector a10 = load(sums, s1);
        FloatVector a11 = load(sums, s1 + LANES);
        FloatVector a20 = load(sums, s2);
        FloatVector a21 = load(sums, s2 + LANES);
        FloatVector a30 = load(sums, s3);
        FloatVector a31 = load(sums, s3 + LANES);
        FloatVector a40 = load(sums, s4);
        FloatVector a41 = load(sums, s4 + LANES);
        FloatVector a50 = load(sums, s5);
        FloatVector a51 = load(sums, s5 + LANES);
        FloatVector a60 = load(sums, s6);
        FloatVector a61 = load(sums, s6 + LANES);
        FloatVector a70 = load(sums, s7);
        FloatVector a71 = load(sums, s7 + LANES);
        int t1 = t + stride;
        int t2 = t1 + stride;
        int t3 = t2 + stride;
        int t4 = t3 + stride;
        int t5 = t4 + stride;
        int t6 = t5 + stride;
        int t7 = t6 + stride;
        for (int k = 0, wk = 0; k < depth; k++, wk += step) {
            int at = g + k * TILE_COLUMNS;
            FloatVector x0 = load(slice, at);
            FloatVector x1 = load(slice, at + LANES);
            FloatVector v = FloatVector.broadcast(FLOATS, w[t + wk]);
            a00 = v.fma(x0, a00);
            a01 = v.fma(x1, a01);
            v = FloatVector.broadcast(FLOATS, w[t1 + wk]);
            a10 = v.fma(x0, a10);
            a11 = v.fma(x1, a11);
            v = FloatVector.broadcast(FLOATS, w[t2 + wk]);
            a20 = v.fma(x0, a20);
            a21 = v.fma(x1, a21);
            v = FloatVector.broadcast(FLOATS, w[t3 + wk]);
            a30 = v.fma(x0, a30);
            a31 = v.fma(x1, a31);
            v = FloatVector.broadcast(FLOATS, w[t4 + wk]);
            a40 = v.fma(x0, a40);
            a41 = v.fma(x1, a41);
            v = FloatVector.broadcast(FLOATS, w[t5 + wk]);
            a50 = v.fma(x0, a50);
            a51 = v.fma(x1, a51);
            v = FloatVector.broadcast(FLOATS, w[t6 + wk]);
            a60 = v.fma(x0, a60);
            a61 = v.fma(x1, a61);
            v = FloatVector.broadcast(FLOATS, w[t7 + wk]);
            a70 = v.fma(x0, a70);
            a71 = v.fma(x1, a71);
        }
        a00.intoArray(sums, s);
        a01.intoArray(sums, s + LANES);
        a10.intoArray(sums, s1);
        a11.intoArray(sums, s1 + LANES);
        a20.intoArray(sums, s2);
        a21.intoArray(sums, s2 + LANES);
        a30.intoArray(sums, s3);
        a31.intoArray(sums, s3 + LANES);
        a40.intoArray(sums, s4);
        a41.intoArray(sums, s4 + LANES);
        a50.intoArray(sums, s5);
        a51.intoArray(sums, s5 + LANES);
        a60.intoArray(sums, s6);
        a61.intoArray(sums, s6 + LANES);
        a70.intoArray(sums, s7);
        a71.intoArray(sums, s7 + LANES);
    }

    /**
     * Adds to the sums of six weight rows ({@code w[t ..]}, {@code w[t + stride ..]}, ..., a row's values
     * {@code step} apart) their products over {@code depth} columns with the group of batch entries at
     * {@code slice[g ..]}; the sums of row {@code i} are at {@code sums[s + i * width ..]}.
     */
    private static void tile6x2(float[] w, int t, int stride, int step, int depth, float[] slice, int g, float[] sums,
                                int s, int width) {
        int s1 = s + width;
        int s2 = s1 + width;
        int s3 = s2 + width;
        int s4 = s3 + width;
        int s5 = s4 + width;
        FloatVector a00 = load(sums, s);
        FloatVector a01 = load(sums, s + LANES);
        FloatVector a10 = load(sums, s1);
        FloatVector a11 = load(sums, s1 + LANES);
        FloatVector a20 = load(sums, s2);
        FloatVector a21 = load(sums, s2 + LANES);
        FloatVector a30 = load(sums, s3);
        FloatVector a31 = load(sums, s3 + LANES);
        FloatVector a40 = load(sums, s4);
        FloatVector a41 = load(sums, s4 + LANES);
        FloatVector a50 = load(sums, s5);
        FloatVector a51 = load(sums, s5 + LANES);
        int t1 = t + stride;
        int t2 = t1 + stride;
        int t3 = t2 + stride;
        int t4 = t3 + stride;
        int t5 = t4 + stride;
        for (int k = 0, wk = 0; k < depth; k++, wk += step) {
            int at = g + k * TILE_COLUMNS;
            FloatVector x0 = load(slice, at);
            FloatVector x1 = load(slice, at + LANES);
            FloatVector v = FloatVector.broadcast(FLOATS, w[t + wk]);
            a00 = v.fma(x0, a00);
            a01 = v.fma(x1, a01);
            v = FloatVector.broadcast(FLOATS, w[t1 + wk]);
            a10 = v.fma(x0, a10);
            a11 = v.fma(x1, a11);
            v = FloatVector.broadcast(FLOATS, w[t2 + wk]);
            a20 = v.fma(x0, a20);
            a21 = v.fma(x1, a21);
            v = FloatVector.broadcast(FLOATS, w[t3 + wk]);
            a30 = v.fma(x0, a30);
            a31 = v.fma(x1, a31);
            v = FloatVector.broadcast(FLOATS, w[t4 + wk]);
            a40 = v.fma(x0, a40);
            a41 = v.fma(x1, a41);
            v = FloatVector.broadcast(FLOATS, w[t5 + wk]);
            a50 = v.fma(x0, a50);
            a51 = v.fma(x1, a51);
        }
        a00.intoArray(sums, s);
        a01.intoArray(sums, s + LANES);
        a10.intoArray(sums, s1);
        a11.intoArray(sums, s1 + LANES);
        a20.intoArray(sums, s2);
        a21.intoArray(sums, s2 + LANES);
        a30.intoArray(sums, s3);
        a31.intoArray(sums, s3 + LANES);
        a40.intoArray(sums, s4);
        a41.intoArray(sums, s4 + LANES);
        a50.intoArray(sums, s5);
        a51.intoArray(sums, s5 + LANES);
    }

    private static FloatVector load(float[] a, int at) {
        return FloatVector.fromArray(FLOATS, a, at);
    }
}
