package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.QuantBlocks.BLOCK;
import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.LANES;

import dev.specula.runtime.tensor.Tensor;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;

/**
 * ggml Q8_0, read in place: blocks of 32 values, each an fp16 scale {@code d} then 32 int8
 * {@code q}; value = d * q.
 */
final class Q8_0Weights extends ScaledBlockWeights {

    private static final int BLOCK_BYTES = 2 + BLOCK;

    Q8_0Weights(Tensor tensor) {
        super(tensor, BLOCK_BYTES);
    }

    /**
     * The single-row (decode) product; why each type has its own copy: see {@link ScaledBlockWeights}.
     * Unlike there, offsets derived from the block counter (a counted loop, bounds checks hoisted)
     * made this loop shorter but decode slower in place, so they are stepped alongside it. Two blocks per
     * iteration into separate accumulators (one: 1.5x slower per row). An odd last block is summed in
     * scalar code: a third call of the block code took C2 past its inlining node limit, and it called the
     * block code out of line, boxing vectors per block (rows of 43 blocks: 10 MB per token).
     */
    @Override
    float dot(long rowOffset, float[] x, int xOffset) {
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        int blocks = cols / BLOCK;
        long at = rowOffset;
        int xi = xOffset;
        int b = 0;
        for (; b + 1 < blocks; b += 2, at += 2L * BLOCK_BYTES, xi += 2 * BLOCK) {
            acc0 = QuantBlocks.q8Dot(data, at + 2, half(at), x, xi, acc0);
            acc1 = QuantBlocks.q8Dot(data, at + BLOCK_BYTES + 2, half(at + BLOCK_BYTES), x, xi + BLOCK, acc1);
        }
        float tail = b < blocks ? blockDot(at, x, xi) : 0;
        int sums = sums(xOffset);
        acc0.add(acc1).intoArray(x, sums);
        return VectorMath.sumLanes(x, sums) + tail;
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
        int blocks = cols / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long at = rowOffset + (long) b * BLOCK_BYTES;
            long bt = at + rowBytes;
            FloatVector d = FloatVector.broadcast(FLOATS, half(at));
            FloatVector f = FloatVector.broadcast(FLOATS, half(bt));
            FloatVector w = QuantBlocks.q8Part(data, at + 2, 0).mul(d);
            FloatVector v = QuantBlocks.q8Part(data, bt + 2, 0).mul(f);
            int k = b * BLOCK;
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
            w = QuantBlocks.q8Part(data, at + 2, 1).mul(d);
            v = QuantBlocks.q8Part(data, bt + 2, 1).mul(f);
            k += LANES;
            y = FloatVector.fromArray(FLOATS, x, x0 + k);
            b0 = w.fma(y, b0);
            e0 = v.fma(y, e0);
            y = FloatVector.fromArray(FLOATS, x, x1 + k);
            b1 = w.fma(y, b1);
            e1 = v.fma(y, e1);
            y = FloatVector.fromArray(FLOATS, x, x2 + k);
            b2 = w.fma(y, b2);
            e2 = v.fma(y, e2);
            y = FloatVector.fromArray(FLOATS, x, x3 + k);
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
        storeSums(x, sums, out, o, o + o1, o + o2, o + o3);
        storeSums(x, sums + 4 * LANES, out, o + 1, o + 1 + o1, o + 1 + o2, o + 1 + o3);
    }

    /**
     * Each block's decoded values are scaled once and feed one FMA per activation row, into accumulators
     * split by the vector's place in the block (even, odd), so no chain waits on two FMAs per block; against
     * per-block sums scaled per row (four more FMAs per block), 4.4 against 5.3 ns per block streaming.
     * Offsets derive from the int block counter, so C2 sees a counted loop and hoists most bounds checks
     * (with offsets stepped alongside, it kept one per load: about 25% more time per block). Part of that
     * hoisting rests on a profiled loop predicate; a confined arena used anywhere in the process once made it
     * fail in most runs (loop recompiled with the checks inside, 1.4x slower), hence
     * {@code SegmentReader.open}'s refusal of them.
     */
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
        int blocks = cols / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long at = rowOffset + (long) b * BLOCK_BYTES;
            FloatVector d = FloatVector.broadcast(FLOATS, half(at));
            for (int p = 0; p < BLOCK / LANES; p += 2) {
                FloatVector w = QuantBlocks.q8Part(data, at + 2, p).mul(d);
                FloatVector v = QuantBlocks.q8Part(data, at + 2, p + 1).mul(d);
                int k = b * BLOCK + p * LANES;
                a0 = w.fma(FloatVector.fromArray(FLOATS, x, x0 + k), a0);
                a1 = w.fma(FloatVector.fromArray(FLOATS, x, x1 + k), a1);
                a2 = w.fma(FloatVector.fromArray(FLOATS, x, x2 + k), a2);
                a3 = w.fma(FloatVector.fromArray(FLOATS, x, x3 + k), a3);
                k += LANES;
                b0 = v.fma(FloatVector.fromArray(FLOATS, x, x0 + k), b0);
                b1 = v.fma(FloatVector.fromArray(FLOATS, x, x1 + k), b1);
                b2 = v.fma(FloatVector.fromArray(FLOATS, x, x2 + k), b2);
                b3 = v.fma(FloatVector.fromArray(FLOATS, x, x3 + k), b3);
            }
        }
        int sums = sums(x0);
        a0.add(b0).intoArray(x, sums);
        a1.add(b1).intoArray(x, sums + LANES);
        a2.add(b2).intoArray(x, sums + 2 * LANES);
        a3.add(b3).intoArray(x, sums + 3 * LANES);
        storeSums(x, sums, out, o0, o1, o2, o3);
    }

    /** One block's dot product, in scalar code (see {@link #dot}). */
    private float blockDot(long at, float[] x, int xi) {
        float sum = 0;
        for (int j = 0; j < BLOCK; j++) {
            sum += data.get(ValueLayout.JAVA_BYTE, at + 2 + j) * x[xi + j];
        }
        return sum * half(at);
    }

    @Override
    void blockDecode(long at, float d, float[] dst, int offset) {
        QuantBlocks.q8Decode(data, at, d, dst, offset);
    }
}
