package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.LANES;

import dev.specula.runtime.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Plain float weights, read straight from the segment. Ensemble-sized batches take two weight rows per pass (four with
 * 512-bit vectors, {@link #quadsRows}) so that each activation vector loaded feeds two FMAs (four). With one row per
 * pass the four activation rows (32 KB at dim 2048, 88 KB for the feed-forward's down projection) were reloaded from L2
 * for every weight vector: a batch of four ran at 0.73-0.82x the speed of one row, and at 0.90-0.94x with two rows per
 * pass (tinyllama-1.1b shape, whole model, 2 threads). The other types pair rows only where vectors are 512 bits wide
 * ({@link #PAIRED}). On AVX2, F16's widening, not the reloads, bounds it (pairs gained nothing, 0.64-0.65x against
 * 0.64-0.66x of the single model for a K=4 ensemble), and BF16's decoded pairs need registers that two rows'
 * accumulators leave no room for (the spilled pair ran 7.8 against 6.5 cycles per 16 values of a row in cache, and its
 * K=4 ensemble decode 2.3-2.7 against 2.9-3.2 tok/s on one thread).
 *
 * <p>Each row keeps its own accumulators, summed in the same order whether it was paired or ran alone
 * (the odd row of a range), so a row's result does not depend on how rows were split.
 */
final class F32Weights extends ElementWeights {

    F32Weights(Tensor tensor) {
        super(tensor);
    }

    /**
     * Two accumulators are enough to stream a row from memory. With four, and a loop for the vectors left
     * over, C2 sometimes reached its inlining node limit and boxed vectors per row (200 KB per token on a
     * model with rows of 1376).
     */
    @Override
    float dot(long rowOffset, float[] x, int xOffset) {
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        int i = 0;
        for (; i <= cols - 2 * LANES; i += 2 * LANES) {
            long at = rowOffset + (long) i * Float.BYTES;
            acc0 = load(at).fma(FloatVector.fromArray(FLOATS, x, xOffset + i), acc0);
            acc1 = load(at + LANES * Float.BYTES).fma(FloatVector.fromArray(FLOATS, x, xOffset + i + LANES), acc1);
        }
        if (i <= cols - LANES) {
            acc0 = load(rowOffset + (long) i * Float.BYTES).fma(FloatVector.fromArray(FLOATS, x, xOffset + i), acc0);
            i += LANES;
        }
        int sums = sums(xOffset);
        acc0.add(acc1).intoArray(x, sums);
        float sum = VectorMath.sumLanes(x, sums);
        for (; i < cols; i++) {
            sum += value(rowOffset, i) * x[xOffset + i];
        }
        return sum;
    }

    @Override
    boolean pairsRows() {
        return true;
    }

    /**
     * Four weight rows per pass ({@link #dot4x4}) where {@link #PAIRED}: sixteen accumulators, which only 32 vector
     * registers hold. Each activation vector then feeds four FMAs, and the activations are loaded half as often as in
     * pairs, which let the weights stream closer to the memory's speed: two threads streaming 5632x2048 matrices, ns
     * per 32 values per thread, 7.9 against 8.5 (one activation row: 6.3); 2048x5632 (the down projection, whose four
     * activation rows of 88 KB overflow L1) 8.0 against 9.6 (7.4). tinyllama-1.1b's K=4 ensemble 0.67-0.77x against
     * 0.58-0.64x of the single model (`lora bench`, runs in turn), before its rows were {@link #touch}ed.
     */
    @Override
    boolean quadsRows() {
        return PAIRED;
    }

    @Override
    void dot2x4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] out, int o, int o1, int o2,
                int o3) {
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = FloatVector.zero(FLOATS);
        FloatVector a2 = FloatVector.zero(FLOATS);
        FloatVector a3 = FloatVector.zero(FLOATS);
        FloatVector b0 = FloatVector.zero(FLOATS);
        FloatVector b1 = FloatVector.zero(FLOATS);
        FloatVector b2 = FloatVector.zero(FLOATS);
        FloatVector b3 = FloatVector.zero(FLOATS);
        long next = rowOffset + rowBytes;
        int k = 0;
        for (; k <= cols - LANES; k += LANES) {
            FloatVector w = load(rowOffset + (long) k * Float.BYTES);
            FloatVector v = load(next + (long) k * Float.BYTES);
            FloatVector y = FloatVector.fromArray(FLOATS, x, x0 + k);
            a0 = w.fma(y, a0);
            b0 = v.fma(y, b0);
            y = FloatVector.fromArray(FLOATS, x, x1 + k);
            a1 = w.fma(y, a1);
            b1 = v.fma(y, b1);
            y = FloatVector.fromArray(FLOATS, x, x2 + k);
            a2 = w.fma(y, a2);
            b2 = v.fma(y, b2);
            y = FloatVector.fromArray(FLOATS, x, x3 + k);
            a3 = w.fma(y, a3);
            b3 = v.fma(y, b3);
        }
        int sums = sums(x0);
        a0.intoArray(x, sums);
        a1.intoArray(x, sums + LANES);
        a2.intoArray(x, sums + 2 * LANES);
        a3.intoArray(x, sums + 3 * LANES);
        b0.intoArray(x, sums + 4 * LANES);
        b1.intoArray(x, sums + 5 * LANES);
        b2.intoArray(x, sums + 6 * LANES);
        b3.intoArray(x, sums + 7 * LANES);
        store4(rowOffset, k, x, x0, x1, x2, x3, sums, out, o, o + o1, o + o2, o + o3);
        store4(next, k, x, x0, x1, x2, x3, sums + 4 * LANES, out, o + 1, o + 1 + o1, o + 1 + o2, o + 1 + o3);
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
        long second = rowOffset + rowBytes;
        long third = second + rowBytes;
        long fourth = third + rowBytes;
        int k = 0;
        for (; k <= cols - LANES; k += LANES) {
            long at = (long) k * Float.BYTES;
            FloatVector w = load(rowOffset + at);
            FloatVector v = load(second + at);
            FloatVector u = load(third + at);
            FloatVector t = load(fourth + at);
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
        store4(rowOffset, k, x, x0, x1, x2, x3, sums, out, o, o + o1, o + o2, o + o3);
        store4(second, k, x, x0, x1, x2, x3, sums + 4 * LANES, out, o + 1, o + 1 + o1, o + 1 + o2, o + 1 + o3);
        c0.intoArray(x, sums);
        c1.intoArray(x, sums + LANES);
        c2.intoArray(x, sums + 2 * LANES);
        c3.intoArray(x, sums + 3 * LANES);
        d0.intoArray(x, sums + 4 * LANES);
        d1.intoArray(x, sums + 5 * LANES);
        d2.intoArray(x, sums + 6 * LANES);
        d3.intoArray(x, sums + 7 * LANES);
        store4(third, k, x, x0, x1, x2, x3, sums, out, o + 2, o + 2 + o1, o + 2 + o2, o + 2 + o3);
        store4(fourth, k, x, x0, x1, x2, x3, sums + 4 * LANES, out, o + 3, o + 3 + o1, o + 3 + o2, o + 3 + o3);
    }

    @Override
    void dot4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] out, int o0, int o1, int o2,
              int o3) {
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = FloatVector.zero(FLOATS);
        FloatVector a2 = FloatVector.zero(FLOATS);
        FloatVector a3 = FloatVector.zero(FLOATS);
        int k = 0;
        for (; k <= cols - LANES; k += LANES) {
            FloatVector w = load(rowOffset + (long) k * Float.BYTES);
            a0 = w.fma(FloatVector.fromArray(FLOATS, x, x0 + k), a0);
            a1 = w.fma(FloatVector.fromArray(FLOATS, x, x1 + k), a1);
            a2 = w.fma(FloatVector.fromArray(FLOATS, x, x2 + k), a2);
            a3 = w.fma(FloatVector.fromArray(FLOATS, x, x3 + k), a3);
        }
        int sums = sums(x0);
        a0.intoArray(x, sums);
        a1.intoArray(x, sums + LANES);
        a2.intoArray(x, sums + 2 * LANES);
        a3.intoArray(x, sums + 3 * LANES);
        store4(rowOffset, k, x, x0, x1, x2, x3, sums, out, o0, o1, o2, o3);
    }

    private FloatVector load(long at) {
        return FloatVector.fromMemorySegment(FLOATS, data, at, ORDER);
    }

    @Override
    float value(long rowOffset, int c) {
        return data.get(FLOAT, rowOffset + (long) c * Float.BYTES);
    }

    @Override
    void dequantize(long rowOffset, float[] dst, int offset) {
        MemorySegment.copy(data, FLOAT, rowOffset, dst, offset, cols);
    }
}
