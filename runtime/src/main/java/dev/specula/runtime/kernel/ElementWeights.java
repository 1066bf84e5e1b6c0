package dev.specula.runtime.kernel;

import dev.specula.runtime.tensor.Tensor;

/**
 * Types stored one value per element (F32, F16, BF16). Unlike the block types' rows, these may end in
 * a partial vector, finished one column at a time ({@link #store4} for ensemble-sized batches).
 */
abstract sealed class ElementWeights extends RowMajorWeights permits F32Weights, F16Weights, BF16Weights {

    ElementWeights(Tensor tensor) {
        super(tensor);
    }

    /** Column {@code c} of the row at byte {@code rowOffset}. */
    abstract float value(long rowOffset, int c);

    /**
     * Adds to one row's sums with four activation rows (at {@code x[x0 ..]}, {@code x[x1 ..]}, ...) the
     * row's columns from {@code k} on, and stores them in {@code out[o0]}, ... {@code out[o3]}. The sums so
     * far are the lanes of the four accumulators the caller stored at {@code x[sums ..]} ({@link #sums}).
     */
    final void store4(long rowOffset, int k, float[] x, int x0, int x1, int x2, int x3, int sums, float[] out,
                      int o0, int o1, int o2, int o3) {
        float s0 = VectorMath.sumLanes(x, sums);
        float s1 = VectorMath.sumLanes(x, sums + Species.LANES);
        float s2 = VectorMath.sumLanes(x, sums + 2 * Species.LANES);
        float s3 = VectorMath.sumLanes(x, sums + 3 * Species.LANES);
        for (int c = k; c < cols; c++) {
            float w = value(rowOffset, c);
            s0 += w * x[x0 + c];
            s1 += w * x[x1 + c];
            s2 += w * x[x2 + c];
            s3 += w * x[x3 + c];
        }
        out[o0] = s0;
        out[o1] = s1;
        out[o2] = s2;
        out[o3] = s3;
    }
}
