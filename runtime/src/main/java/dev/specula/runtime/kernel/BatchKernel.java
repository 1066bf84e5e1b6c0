package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.LANES;

import jdk.incubator.vector.FloatVector;

/**
 * The batched (prompt) product for any storage type: rows are decoded to floats {@value #TILE_ROWS}
 * at a time into a per-thread scratch tile, once per batch, and the tile is multiplied with the
 * activation columns two at a time in registers. Each weight byte is then read and decoded once
 * per batch, and every loaded vector feeds several FMAs (4 rows x 2 columns: 6 loads per 8 FMAs,
 * 8 accumulators, which fits AVX2's 16 registers), so the loop runs near the FMA peak rather than
 * at the rate of the type's widening instructions.
 */
final class BatchKernel {

    static final int TILE_ROWS = 4;

    /** Grows to the widest tile seen. */
    private static final ThreadScratch TILE = new ThreadScratch();

    private BatchKernel() {
    }

    /** {@code out[b * rows + r] = W[r] . x[b * cols ..]} for {@code r} in {@code [rowFrom, rowTo)}, every {@code b < batch}. */
    static void matmul(Weights w, float[] x, float[] out, int batch, int rowFrom, int rowTo) {
        int cols = w.cols();
        float[] tile = TILE.atLeast(TILE_ROWS * cols);
        for (int r = rowFrom; r < rowTo; r += TILE_ROWS) {
            int n = Math.min(TILE_ROWS, rowTo - r);
            for (int i = 0; i < n; i++) {
                w.row(r + i, tile, i * cols);
            }
            if (n == TILE_ROWS) {
                tile4(tile, cols, x, out, w.rows(), r, batch);
            } else {
                for (int i = 0; i < n; i++) {
                    for (int b = 0; b < batch; b++) {
                        out[b * w.rows() + r + i] = VectorMath.dot(tile, i * cols, x, b * cols, cols);
                    }
                }
            }
        }
    }

    private static void tile4(float[] t, int cols, float[] x, float[] out, int rows, int r, int batch) {
        int b = 0;
        for (; b + 1 < batch; b += 2) {
            tile4x2(t, cols, x, b * cols, (b + 1) * cols, out, b * rows + r, (b + 1) * rows + r);
        }
        if (b < batch) {
            // The odd column goes through the same tile twice, so its sums are rounded exactly like its
            // neighbours': identical inputs (e.g. identical ensemble members) give identical outputs.
            tile4x2(t, cols, x, b * cols, b * cols, out, b * rows + r, b * rows + r);
        }
    }

    private static void tile4x2(float[] t, int cols, float[] x, int x0, int x1, float[] out, int o0, int o1) {
        FloatVector a00 = FloatVector.zero(FLOATS);
        FloatVector a01 = FloatVector.zero(FLOATS);
        FloatVector a10 = FloatVector.zero(FLOATS);
        FloatVector a11 = FloatVector.zero(FLOATS);
        FloatVector a20 = FloatVector.zero(FLOATS);
        FloatVector a21 = FloatVector.zero(FLOATS);
        FloatVector a30 = FloatVector.zero(FLOATS);
        FloatVector a31 = FloatVector.zero(FLOATS);
        int r1 = cols;
        int r2 = 2 * cols;
        int r3 = 3 * cols;
        int k = 0;
        for (; k <= cols - LANES; k += LANES) {
            FloatVector v0 = FloatVector.fromArray(FLOATS, x, x0 + k);
            FloatVector v1 = FloatVector.fromArray(FLOATS, x, x1 + k);
            FloatVector w = FloatVector.fromArray(FLOATS, t, k);
            a00 = w.fma(v0, a00);
            a01 = w.fma(v1, a01);
            w = FloatVector.fromArray(FLOATS, t, r1 + k);
            a10 = w.fma(v0, a10);
            a11 = w.fma(v1, a11);
            w = FloatVector.fromArray(FLOATS, t, r2 + k);
            a20 = w.fma(v0, a20);
            a21 = w.fma(v1, a21);
            w = FloatVector.fromArray(FLOATS, t, r3 + k);
            a30 = w.fma(v0, a30);
            a31 = w.fma(v1, a31);
        }
        float s00 = VectorMath.sumLanes(a00);
        float s01 = VectorMath.sumLanes(a01);
        float s10 = VectorMath.sumLanes(a10);
        float s11 = VectorMath.sumLanes(a11);
        float s20 = VectorMath.sumLanes(a20);
        float s21 = VectorMath.sumLanes(a21);
        float s30 = VectorMath.sumLanes(a30);
        float s31 = VectorMath.sumLanes(a31);
        for (; k < cols; k++) {
            s00 += t[k] * x[x0 + k];
            s01 += t[k] * x[x1 + k];
            s10 += t[r1 + k] * x[x0 + k];
            s11 += t[r1 + k] * x[x1 + k];
            s20 += t[r2 + k] * x[x0 + k];
            s21 += t[r2 + k] * x[x1 + k];
            s30 += t[r3 + k] * x[x0 + k];
            s31 += t[r3 + k] * x[x1 + k];
        }
        out[o0] = s00;
        out[o0 + 1] = s10;
        out[o0 + 2] = s20;
        out[o0 + 3] = s30;
        out[o1] = s01;
        out[o1 + 1] = s11;
        out[o1 + 2] = s21;
        out[o1 + 3] = s31;
    }
}
