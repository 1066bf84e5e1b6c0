package dev.specula.runtime.kernel;

import dev.specula.runtime.tensor.Tensor;

/**
 * Types with their own kernel for ensemble-sized batches: up to {@value #REGISTER_BATCH} activation rows
 * (a LoRA ensemble's members) share each decoded weight vector, which then feeds one FMA per row.
 * Larger (prompt) batches go through {@link BatchKernel}'s float tile, which then costs less per product.
 * The kernels sum their lanes with {@link VectorMath#sumLanes}: they run rarely outside ensembles (a
 * prompt's last few tokens), so often before C2 has compiled them, and must still give the same bits.
 */
abstract sealed class RegisterBatchWeights extends RowMajorWeights permits ElementWeights, ScaledBlockWeights {

    static final int REGISTER_BATCH = 4;

    RegisterBatchWeights(Tensor tensor) {
        super(tensor);
    }

    @Override
    final void batched(float[] x, float[] out, int batch, int rowFrom, int rowTo) {
        if (batch > REGISTER_BATCH) {
            super.batched(x, out, batch, rowFrom, rowTo);
            return;
        }
        // Fewer than four rows repeat the last one, so every row goes through the same code and
        // identical activation rows (identical ensemble members) get bit-identical results.
        int x1 = Math.min(1, batch - 1) * cols;
        int x2 = Math.min(2, batch - 1) * cols;
        int x3 = Math.min(3, batch - 1) * cols;
        int o1 = Math.min(1, batch - 1) * rows;
        int o2 = Math.min(2, batch - 1) * rows;
        int o3 = Math.min(3, batch - 1) * rows;
        registerBatch(x, x1, x2, x3, out, o1, o2, o3, rowFrom, rowTo);
    }

    /**
     * Rows {@code [rowFrom, rowTo)} against the four activation rows at {@code x[0 ..]}, {@code x[x1 ..]}, ...:
     * row {@code r}'s products go to {@code out[r]}, {@code out[r + o1]}, ... One row per {@link #dot4} call.
     */
    void registerBatch(float[] x, int x1, int x2, int x3, float[] out, int o1, int o2, int o3, int rowFrom, int rowTo) {
        for (int r = rowFrom; r < rowTo; r++) {
            dot4(r * rowBytes, x, x1, x2, x3, out, r, r + o1, r + o2, r + o3);
        }
    }

    /**
     * Dot products of the row at byte {@code rowOffset} with four activation rows ({@code x[0 ..]},
     * {@code x[x1 ..]}, ...) into {@code out[o0]}, {@code out[o1]}, ...
     */
    abstract void dot4(long rowOffset, float[] x, int x1, int x2, int x3, float[] out, int o0, int o1, int o2, int o3);
}
