package dev.specula.runtime.kernel;

import dev.specula.runtime.tensor.Tensor;
import jdk.incubator.vector.FloatVector;

/**
 * Types stored one value per element (F32, F16): unlike the block types, their rows may end in a
 * partial vector, which the ensemble-batch kernels finish one column at a time.
 */
abstract sealed class ElementWeights extends RegisterBatchWeights permits F32Weights, F16Weights {

    ElementWeights(Tensor tensor) {
        super(tensor);
    }

    /** Column {@code c} of the row at byte {@code rowOffset}. */
    abstract float value(long rowOffset, int c);

    /**
     * Sums the lanes of one row's accumulators for four activation rows (at {@code x[0 ..]},
     * {@code x[x1 ..]}, ...), adds the row's columns from {@code k} on and stores the four products
     * in {@code out[o0]}, ... {@code out[o3]}.
     */
    final void store4(long rowOffset, int k, float[] x, int x1, int x2, int x3, FloatVector a0, FloatVector a1,
                      FloatVector a2, FloatVector a3, float[] out, int o0, int o1, int o2, int o3) {
        float s0 = VectorMath.sumLanes(a0);
        float s1 = VectorMath.sumLanes(a1);
        float s2 = VectorMath.sumLanes(a2);
        float s3 = VectorMath.sumLanes(a3);
        for (int c = k; c < cols; c++) {
            float w = value(rowOffset, c);
            s0 += w * x[c];
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
