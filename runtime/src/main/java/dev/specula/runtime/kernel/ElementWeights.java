package dev.specula.runtime.kernel;

import dev.specula.runtime.tensor.Tensor;

/**
 * Types stored one value per element (F32, F16, BF16), whose ensemble-sized batches take two weight
 * rows per pass so that each activation vector loaded feeds two FMAs. With one row per pass the four
 * activation rows (32 KB at dim 2048, 88 KB for the feed-forward's down projection) were reloaded from
 * L2 for every weight vector: on F32 a batch of four ran at 0.73-0.82x the speed of one row, and at
 * 0.90-0.94x with two rows per pass (tinyllama-1.1b shape, whole model, 2 threads). F16 and BF16 run
 * their two rows one after the other: F16's widening, not the reloads, bounds it, and BF16's decoded
 * pairs need registers that two rows' accumulators leave no room for. The quantized types decode too much per block
 * to hold two rows in registers (their pairs spilled), so they stay at one row per pass.
 *
 * <p>Each row keeps its own accumulators, summed in the same order whether it was paired or ran alone
 * (the odd row of a range), so a row's result does not depend on how rows were split. Unlike the
 * block types' rows, these may end in a partial vector, finished one column at a time.
 */
abstract sealed class ElementWeights extends RowMajorWeights permits F32Weights, F16Weights, BF16Weights {

    ElementWeights(Tensor tensor) {
        super(tensor);
    }

    @Override
    final void registerBatch(float[] x, int x1, int x2, int x3, float[] out, int o1, int o2, int o3, int rowFrom,
                             int rowTo) {
        int r = rowFrom;
        for (; r + 1 < rowTo; r += 2) {
            dot2x4(r * rowBytes, x, x1, x2, x3, out, r, o1, o2, o3);
        }
        if (r < rowTo) {
            dot4(r * rowBytes, x, x1, x2, x3, out, r, r + o1, r + o2, r + o3);
        }
    }

    /**
     * The row at byte {@code rowOffset} and the next one against four activation rows (as {@link #dot4}),
     * into {@code out[o]}, {@code out[o + o1]}, ... and {@code out[o + 1]}, {@code out[o + 1 + o1]}, ...
     */
    abstract void dot2x4(long rowOffset, float[] x, int x1, int x2, int x3, float[] out, int o, int o1, int o2, int o3);

    /** Column {@code c} of the row at byte {@code rowOffset}. */
    abstract float value(long rowOffset, int c);

    /**
     * Adds to one row's sums with four activation rows (at {@code x[0 ..]}, {@code x[x1 ..]}, ...) the
     * row's columns from {@code k} on, and stores them in {@code out[o0]}, ... {@code out[o3]}. Takes
     * the sums, not the accumulators: this call is not always inlined, and vectors passed to it would be boxed.
     */
    final void store4(long rowOffset, int k, float[] x, int x1, int x2, int x3, float s0, float s1, float s2, float s3,
                      float[] out, int o0, int o1, int o2, int o3) {
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
