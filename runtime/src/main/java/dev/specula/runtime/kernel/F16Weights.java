package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.LANES;

import dev.specula.runtime.tensor.Tensor;
import jdk.incubator.vector.FloatVector;

/**
 * IEEE half-precision weights. The Vector API has no fp16 conversion, and widening with integer
 * lane operations cost ~55 cycles per 32 values on Zen 3. A plain loop over {@link Float#float16ToFloat} is instead
 * vectorized by C2 into {@code vcvtph2ps} (F16C), so rows are widened a chunk at a time into a
 * per-thread scratch that stays in L1, and the dot product runs on floats: ~14 cycles per 32 values.
 */
final class F16Weights extends ElementWeights {

    /** Values widened per pass: small enough for L1 next to the activations. */
    static final int CHUNK = 512;

    /** One per compute thread, so never shared; four chunks long, for {@link #dot4x4}'s four rows. */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[4 * CHUNK]);

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
    void dot4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] out, int o0, int o1, int o2,
              int o3) {
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        FloatVector acc2 = FloatVector.zero(FLOATS);
        FloatVector acc3 = FloatVector.zero(FLOATS);
        int vectorCols = cols - cols % LANES;
        float[] scratch = SCRATCH.get();
        for (int c = 0; c < vectorCols; c += CHUNK) {
            int n = Math.min(CHUNK, vectorCols - c);
            widen(rowOffset + (long) c * Short.BYTES, scratch, 0, n);
            for (int i = 0; i < n; i += LANES) {
                FloatVector w = FloatVector.fromArray(FLOATS, scratch, i);
                int k = c + i;
                acc0 = w.fma(FloatVector.fromArray(FLOATS, x, x0 + k), acc0);
                acc1 = w.fma(FloatVector.fromArray(FLOATS, x, x1 + k), acc1);
                acc2 = w.fma(FloatVector.fromArray(FLOATS, x, x2 + k), acc2);
                acc3 = w.fma(FloatVector.fromArray(FLOATS, x, x3 + k), acc3);
            }
        }
        int sums = sums(x0);
        acc0.intoArray(x, sums);
        acc1.intoArray(x, sums + LANES);
        acc2.intoArray(x, sums + 2 * LANES);
        acc3.intoArray(x, sums + 3 * LANES);
        store4(rowOffset, vectorCols, x, x0, x1, x2, x3, sums, out, o0, o1, o2, o3);
    }

    @Override
    boolean pairsRows() {
        return PAIRED;
    }

    /**
     * Both rows widened chunk by chunk in one loop ({@link #widenPair}), then each activation vector feeds
     * two FMAs. Widening each row in a loop of its own (two {@link #dot4} bodies in one method) had run
     * 5-30% slower than one row per call; this way, K=4 ensemble decode of tinyllama-1.1b went from 6.3-6.6
     * to 7.8-8.0 tok/s (two threads, interleaved runs).
     */
    @Override
    void dot2x4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] out, int o, int o1, int o2,
                int o3) {
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = FloatVector.zero(FLOATS);
        FloatVector a2 = FloatVector.zero(FLOATS);
        FloatVector a3 = FloatVector.zero(FLOATS);
        FloatVector c0 = FloatVector.zero(FLOATS);
        FloatVector c1 = FloatVector.zero(FLOATS);
        FloatVector c2 = FloatVector.zero(FLOATS);
        FloatVector c3 = FloatVector.zero(FLOATS);
        long next = rowOffset + rowBytes;
        int vectorCols = cols - cols % LANES;
        float[] scratch = SCRATCH.get();
        for (int c = 0; c < vectorCols; c += CHUNK) {
            int n = Math.min(CHUNK, vectorCols - c);
            widenPair(rowOffset + (long) c * Short.BYTES, next + (long) c * Short.BYTES, scratch, n);
            for (int i = 0; i < n; i += LANES) {
                FloatVector w = FloatVector.fromArray(FLOATS, scratch, i);
                FloatVector v = FloatVector.fromArray(FLOATS, scratch, CHUNK + i);
                int k = c + i;
                FloatVector y = FloatVector.fromArray(FLOATS, x, x0 + k);
                a0 = w.fma(y, a0);
                c0 = v.fma(y, c0);
                y = FloatVector.fromArray(FLOATS, x, x1 + k);
                a1 = w.fma(y, a1);
                c1 = v.fma(y, c1);
                y = FloatVector.fromArray(FLOATS, x, x2 + k);
                a2 = w.fma(y, a2);
                c2 = v.fma(y, c2);
                y = FloatVector.fromArray(FLOATS, x, x3 + k);
                a3 = w.fma(y, a3);
                c3 = v.fma(y, c3);
            }
        }
        int sums = sums(x0);
        a0.intoArray(x, sums);
        a1.intoArray(x, sums + LANES);
        a2.intoArray(x, sums + 2 * LANES);
        a3.intoArray(x, sums + 3 * LANES);
        c0.intoArray(x, sums + 4 * LANES);
        c1.intoArray(x, sums + 5 * LANES);
        c2.intoArray(x, sums + 6 * LANES);
        c3.intoArray(x, sums + 7 * LANES);
        store4(rowOffset, vectorCols, x, x0, x1, x2, x3, sums, out, o, o + o1, o + o2, o + o3);
        store4(next, vectorCols, x, x0, x1, x2, x3, sums + 4 * LANES, out, o + 1, o + 1 + o1, o + 1 + o2, o + 1 + o3);
    }

    /**
     * Four rows widened chunk by chunk in one loop ({@link #widenFour}), then each activation vector feeds four
     * FMAs; where {@link #PAIRED}, whose 32 registers hold the sixteen accumulators. Against pairs, two threads
     * streaming 5632x2048 matrices: 4.8-5.0 against 5.3-5.4 ns per 32 values per thread; tinyllama-1.1b's K=4
     * ensemble 0.70-0.80x against 0.58-0.66x of the single model (`lora bench`, runs in turn).
     */
    @Override
    boolean quadsRows() {
        return PAIRED;
    }

    @Override
    void dot4x4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] out, int o, int o1, int o2,
                int o3) {
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = FloatVector.zero(FLOATS);
        FloatVector a2 = FloatVector.zero(FLOATS);
        FloatVector a3 = FloatVector.zero(FLOATS);
        FloatVector b0 = FloatVector.zero(FLOATS);
        FloatVector b1 = FloatVector.zero(FLOATS);
        FloatVector b2 = FloatVector.zero(FLOATS);
        FloatVector b3 = FloatVector.zero(FLOATS);
        FloatVector c0 = FloatVector.zero(FLOATS);
        FloatVector c1 = FloatVector.zero(FLOATS);
        FloatVector c2 = FloatVector.zero(FLOATS);
        FloatVector c3 = FloatVector.zero(FLOATS);
        FloatVector d0 = FloatVector.zero(FLOATS);
        FloatVector d1 = FloatVector.zero(FLOATS);
        FloatVector d2 = FloatVector.zero(FLOATS);
        FloatVector d3 = FloatVector.zero(FLOATS);
        int vectorCols = cols - cols % LANES;
        float[] scratch = SCRATCH.get();
        for (int c = 0; c < vectorCols; c += CHUNK) {
            int n = Math.min(CHUNK, vectorCols - c);
            widenFour(rowOffset + (long) c * Short.BYTES, scratch, n);
            for (int i = 0; i < n; i += LANES) {
                FloatVector w = FloatVector.fromArray(FLOATS, scratch, i);
                FloatVector v = FloatVector.fromArray(FLOATS, scratch, CHUNK + i);
                FloatVector u = FloatVector.fromArray(FLOATS, scratch, 2 * CHUNK + i);
                FloatVector t = FloatVector.fromArray(FLOATS, scratch, 3 * CHUNK + i);
                int k = c + i;
                FloatVector y = FloatVector.fromArray(FLOATS, x, x0 + k);
                a0 = w.fma(y, a0);
                b0 = v.fma(y, b0);
                c0 = u.fma(y, c0);
                d0 = t.fma(y, d0);
                y = FloatVector.fromArray(FLOATS, x, x1 + k);
                a1 = w.fma(y, a1);
                b1 = v.fma(y, b1);
                c1 = u.fma(y, c1);
                d1 = t.fma(y, d1);
                y = FloatVector.fromArray(FLOATS, x, x2 + k);
                a2 = w.fma(y, a2);
                b2 = v.fma(y, b2);
                c2 = u.fma(y, c2);
                d2 = t.fma(y, d2);
                y = FloatVector.fromArray(FLOATS, x, x3 + k);
                a3 = w.fma(y, a3);
                b3 = v.fma(y, b3);
                c3 = u.fma(y, c3);
                d3 = t.fma(y, d3);
            }
        }
        // The scratch holds two rows' sums at a time.
        int sums = sums(x0);
        a0.intoArray(x, sums);
        a1.intoArray(x, sums + LANES);
        a2.intoArray(x, sums + 2 * LANES);
        a3.intoArray(x, sums + 3 * LANES);
        b0.intoArray(x, sums + 4 * LANES);
        b1.intoArray(x, sums + 5 * LANES);
        b2.intoArray(x, sums + 6 * LANES);
        b3.intoArray(x, sums + 7 * LANES);
        long second = rowOffset + rowBytes;
        store4(rowOffset, vectorCols, x, x0, x1, x2, x3, sums, out, o, o + o1, o + o2, o + o3);
        store4(second, vectorCols, x, x0, x1, x2, x3, sums + 4 * LANES, out, o + 1, o + 1 + o1, o + 1 + o2,
                o + 1 + o3);
        c0.intoArray(x, sums);
        c1.intoArray(x, sums + LANES);
        c2.intoArray(x, sums + 2 * LANES);
        c3.intoArray(x, sums + 3 * LANES);
        d0.intoArray(x, sums + 4 * LANES);
        d1.intoArray(x, sums + 5 * LANES);
        d2.intoArray(x, sums + 6 * LANES);
        d3.intoArray(x, sums + 7 * LANES);
        store4(second + rowBytes, vectorCols, x, x0, x1, x2, x3, sums, out, o + 2, o + 2 + o1, o + 2 + o2,
                o + 2 + o3);
        store4(second + 2 * rowBytes, vectorCols, x, x0, x1, x2, x3, sums + 4 * LANES, out, o + 3, o + 3 + o1,
                o + 3 + o2, o + 3 + o3);
    }

    /** {@code n} halves of the four rows from byte {@code at} to {@code dst[0 ..]}, {@code dst[CHUNK ..]}, ... */
    private void widenFour(long at, float[] dst, int n) {
        long second = at + rowBytes;
        long third = second + rowBytes;
        long fourth = third + rowBytes;
        for (int i = 0; i < n; i++) {
            long c = (long) i * Short.BYTES;
            dst[i] = Float.float16ToFloat(data.get(SHORT, at + c));
            dst[CHUNK + i] = Float.float16ToFloat(data.get(SHORT, second + c));
            dst[2 * CHUNK + i] = Float.float16ToFloat(data.get(SHORT, third + c));
            dst[3 * CHUNK + i] = Float.float16ToFloat(data.get(SHORT, fourth + c));
        }
    }

    /** {@code n} halves of two rows, from bytes {@code a} and {@code b}, to {@code dst[0 ..]} and {@code dst[CHUNK ..]}. */
    private void widenPair(long a, long b, float[] dst, int n) {
        for (int i = 0; i < n; i++) {
            dst[i] = Float.float16ToFloat(data.get(SHORT, a + (long) i * Short.BYTES));
            dst[CHUNK + i] = Float.float16ToFloat(data.get(SHORT, b + (long) i * Short.BYTES));
        }
    }

    @Override
    float value(long rowOffset, int c) {
        return Float.float16ToFloat(data.get(SHORT, rowOffset + (long) c * Short.BYTES));
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
