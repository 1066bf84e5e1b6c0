package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.INTS;
import static dev.specula.runtime.kernel.Species.LANES;
import static dev.specula.runtime.kernel.Species.SHORTS;
import static dev.specula.runtime.kernel.Species.SHORT_PARTS;

import dev.specula.runtime.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * bfloat16 weights (the top 16 bits of a float), widened in registers without conversions: an int
 * lane holds two bf16 values, and the even one becomes a float by a shift, the odd one by a mask. So
 * that each pair lines up with its activation, every call first reorders {@code x} once, per group of
 * twice the lane count, into its even then its odd columns ({@link #arrange}). Against widening
 * short lanes to ints and shifting, this more than halves the instructions per value: one thread, rows
 * of 2048, 3.0 cycles per 16 values in cache, and from memory 6.8 against 7.5 before, where one thread
 * meets the memory's speed. tinyllama-1.1b decode on one thread went from 3.7-4.3 to 4.5-5.0 tok/s; on
 * two it stayed at 6.9-7.6, where the memory bounds both.
 */
final class BF16Weights extends ElementWeights {

    /** Values per int vector: two per lane. */
    private static final int GROUP = 2 * LANES;
    private static final IntVector HIGH_HALF = IntVector.broadcast(INTS, 0xFFFF0000);

    BF16Weights(Tensor tensor) {
        super(tensor);
    }

    private static float toFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    /** The even values of the pairs in {@code w}'s lanes, exact (bf16 is a truncated float). */
    private static FloatVector even(IntVector w) {
        return w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** The odd values of the pairs in {@code w}'s lanes. */
    private static FloatVector odd(IntVector w) {
        return w.and(HIGH_HALF).reinterpretAsFloats();
    }

    /**
     * The row with every full group of {@link #GROUP} columns reordered to its even columns then its odd
     * ones; the columns after the last full group stay where they were.
     */
    @Override
    void arrange(float[] x, int from, float[] dst, int to) {
        int full = cols - cols % GROUP;
        for (int g = 0; g < full; g += GROUP) {
            for (int i = 0; i < LANES; i++) {
                dst[to + g + i] = x[from + g + 2 * i];
                dst[to + g + LANES + i] = x[from + g + 2 * i + 1];
            }
        }
        System.arraycopy(x, from + full, dst, to + full, cols - full);
    }

    @Override
    float value(long rowOffset, int c) {
        return toFloat(data.get(SHORT, rowOffset + (long) c * Short.BYTES));
    }

    /**
     * Even and odd columns into their own accumulators. One loop: a second, unrolled twice over, with a tail
     * loop after it for rows of an odd number of groups, took C2 past its inlining node limit, and the
     * out-of-line calls boxed vectors (100 KB per token on a model with rows of 1376).
     */
    @Override
    float dot(long rowOffset, float[] x, int xOffset) {
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        int i = 0;
        for (; i <= cols - GROUP; i += GROUP) {
            IntVector w = load(rowOffset + (long) i * Short.BYTES);
            acc0 = even(w).fma(FloatVector.fromArray(FLOATS, x, xOffset + i), acc0);
            acc1 = odd(w).fma(FloatVector.fromArray(FLOATS, x, xOffset + i + LANES), acc1);
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
        FloatVector c0 = FloatVector.zero(FLOATS);
        FloatVector c1 = FloatVector.zero(FLOATS);
        FloatVector c2 = FloatVector.zero(FLOATS);
        FloatVector c3 = FloatVector.zero(FLOATS);
        FloatVector e0 = FloatVector.zero(FLOATS);
        FloatVector e1 = FloatVector.zero(FLOATS);
        FloatVector e2 = FloatVector.zero(FLOATS);
        FloatVector e3 = FloatVector.zero(FLOATS);
        long next = rowOffset + rowBytes;
        int k = 0;
        for (; k <= cols - GROUP; k += GROUP) {
            IntVector pairs = load(rowOffset + (long) k * Short.BYTES);
            IntVector nextPairs = load(next + (long) k * Short.BYTES);
            FloatVector w = even(pairs);
            FloatVector v = even(nextPairs);
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
            w = odd(pairs);
            v = odd(nextPairs);
            int c = k + LANES;
            y = FloatVector.fromArray(FLOATS, x, x0 + c);
            b0 = w.fma(y, b0);
            e0 = v.fma(y, e0);
            y = FloatVector.fromArray(FLOATS, x, x1 + c);
            b1 = w.fma(y, b1);
            e1 = v.fma(y, e1);
            y = FloatVector.fromArray(FLOATS, x, x2 + c);
            b2 = w.fma(y, b2);
            e2 = v.fma(y, e2);
            y = FloatVector.fromArray(FLOATS, x, x3 + c);
            b3 = w.fma(y, b3);
            e3 = v.fma(y, e3);
        }
        int sums = sums(x0);
        a0.add(b0).intoArray(x, sums);
        a1.add(b1).intoArray(x, sums + LANES);
        a2.add(b2).intoArray(x, sums + 2 * LANES);
        a3.add(b3).intoArray(x, sums + 3 * LANES);
        c0.add(e0).intoArray(x, sums + 4 * LANES);
        c1.add(e1).intoArray(x, sums + 5 * LANES);
        c2.add(e2).intoArray(x, sums + 6 * LANES);
        c3.add(e3).intoArray(x, sums + 7 * LANES);
        store4(rowOffset, k, x, x0, x1, x2, x3, sums, out, o, o + o1, o + o2, o + o3);
        store4(next, k, x, x0, x1, x2, x3, sums + 4 * LANES, out, o + 1, o + 1 + o1, o + 1 + o2, o + 1 + o3);
    }

    /** Even and odd columns keep separate accumulators, so no FMA waits on the one before it. */
    @Override
    void dot4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] out, int o0, int o1, int o2,
              int o3) {
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = FloatVector.zero(FLOATS);
        FloatVector a2 = FloatVector.zero(FLOATS);
        FloatVector a3 = FloatVector.zero(FLOATS);
        FloatVector b0 = FloatVector.zero(FLOATS);
        FloatVector b1 = FloatVector.zero(FLOATS);
        FloatVector b2 = FloatVector.zero(FLOATS);
        FloatVector b3 = FloatVector.zero(FLOATS);
        int k = 0;
        for (; k <= cols - GROUP; k += GROUP) {
            IntVector pairs = load(rowOffset + (long) k * Short.BYTES);
            FloatVector w = even(pairs);
            a0 = w.fma(FloatVector.fromArray(FLOATS, x, x0 + k), a0);
            a1 = w.fma(FloatVector.fromArray(FLOATS, x, x1 + k), a1);
            a2 = w.fma(FloatVector.fromArray(FLOATS, x, x2 + k), a2);
            a3 = w.fma(FloatVector.fromArray(FLOATS, x, x3 + k), a3);
            w = odd(pairs);
            int c = k + LANES;
            b0 = w.fma(FloatVector.fromArray(FLOATS, x, x0 + c), b0);
            b1 = w.fma(FloatVector.fromArray(FLOATS, x, x1 + c), b1);
            b2 = w.fma(FloatVector.fromArray(FLOATS, x, x2 + c), b2);
            b3 = w.fma(FloatVector.fromArray(FLOATS, x, x3 + c), b3);
        }
        int sums = sums(x0);
        a0.add(b0).intoArray(x, sums);
        a1.add(b1).intoArray(x, sums + LANES);
        a2.add(b2).intoArray(x, sums + 2 * LANES);
        a3.add(b3).intoArray(x, sums + 3 * LANES);
        store4(rowOffset, k, x, x0, x1, x2, x3, sums, out, o0, o1, o2, o3);
    }

    private IntVector load(long at) {
        return IntVector.fromMemorySegment(INTS, data, at, ORDER);
    }

    /** In column order, for the prompt kernel's decoded rows: short lanes widened to ints and shifted. */
    @Override
    void dequantize(long rowOffset, float[] dst, int offset) {
        int i = 0;
        for (; i <= cols - SHORTS.length(); i += SHORTS.length()) {
            ShortVector w = ShortVector.fromMemorySegment(SHORTS, data, rowOffset + (long) i * Short.BYTES, ORDER);
            for (int p = 0; p < SHORT_PARTS; p++) {
                ((IntVector) w.convertShape(VectorOperators.S2I, INTS, p)).lanewise(VectorOperators.LSHL, 16)
                        .reinterpretAsFloats().intoArray(dst, offset + i + p * LANES);
            }
        }
        for (; i < cols; i++) {
            dst[offset + i] = value(rowOffset, i);
        }
    }
}
