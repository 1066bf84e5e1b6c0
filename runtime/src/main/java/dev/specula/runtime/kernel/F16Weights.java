package dev.specula.runtime.kernel;

import dev.specula.runtime.tensor.Tensor;

/**
 * IEEE half-precision weights. The Vector API has no fp16 conversion, and widening with integer
 * lane operations cost ~55 cycles per 32 values (the float multiply that rebiases the exponent
 * takes a slow path on subnormal inputs). A plain loop over {@link Float#float16ToFloat} is instead
 * vectorized by C2 into {@code vcvtph2ps} (F16C), so rows are widened a chunk at a time into a
 * per-thread scratch that stays in L1, and the dot product runs on floats: ~14 cycles per 32 values.
 */
final class F16Weights extends RowMajorWeights {

    /** Values widened per pass: small enough for L1 next to the activations. */
    static final int CHUNK = 512;

    /** One per compute thread, so never shared. */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[CHUNK]);

    F16Weights(Tensor tensor) {
        super(tensor);
    }

    @Override
    float dot(long rowOffset, float[] x, int xOffset) {
        float[] scratch = SCRATCH.get();
        float sum = 0;
        for (int c = 0; c < cols; c += CHUNK) {
            int n = Math.min(CHUNK, cols - c);
            widen(rowOffset + (long) c * Short.BYTES, scratch, 0, n);
            sum += VectorMath.dot(scratch, 0, x, xOffset + c, n);
        }
        return sum;
    }

    @Override
    void dequantize(long rowOffset, float[] dst, int offset) {
        widen(rowOffset, dst, offset, cols);
    }

    /** {@code n} halves from byte {@code at} as floats into {@code dst[offset ..]}; exact, subnormals, inf and NaN included. */
    private void widen(long at, float[] dst, int offset, int n) {
        for (int i = 0; i < n; i++) {
            dst[offset + i] = Float.float16ToFloat(data.get(SHORT, at + (long) i * Short.BYTES));
        }
    }
}
