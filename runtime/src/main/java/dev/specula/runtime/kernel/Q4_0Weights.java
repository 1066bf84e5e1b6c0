package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.QuantBlocks.BLOCK;
import static dev.specula.runtime.kernel.QuantBlocks.HALF;
import static dev.specula.runtime.kernel.Species.BYTES;
import static dev.specula.runtime.kernel.Species.BYTE_PARTS;
import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.LANES;

import dev.specula.runtime.tensor.Tensor;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

/**
 * ggml Q4_0, read in place: blocks of 32 values, each an fp16 scale {@code d} then 16 bytes whose
 * low nibbles are values 0..15 and high nibbles values 16..31; value = d * (nibble - 8).
 */
final class Q4_0Weights extends ScaledBlockWeights {

    private static final int BLOCK_BYTES = 2 + HALF;

    Q4_0Weights(Tensor tensor) {
        super(tensor, BLOCK_BYTES);
    }

    /**
     * The single-row (decode) product; why each type has its own copy: see {@link ScaledBlockWeights}.
     * Unlike there, offsets derived from the block counter (a counted loop, bounds checks hoisted)
     * made this loop shorter but decode slower in place, so they are stepped alongside it. One block per
     * iteration, unlike Q8_0: 22 against 26 ms per pass over tinyllama-1.1b's layers with two (the nibble
     * decode, not latency, bounds it), and the two-block loop once took C2 past its inlining node limit.
     */
    @Override
    float dot(long rowOffset, float[] x, int xOffset) {
        FloatVector acc = FloatVector.zero(FLOATS);
        int blocks = cols / BLOCK;
        long at = rowOffset;
        int xi = xOffset;
        for (int b = 0; b < blocks; b++, at += BLOCK_BYTES, xi += BLOCK) {
            acc = QuantBlocks.q4Dot(data, at + 2, half(at), x, xi, acc);
        }
        int sums = sums(xOffset);
        acc.intoArray(x, sums);
        return VectorMath.sumLanes(x, sums);
    }

    @Override
    boolean pairsRows() {
        return PAIRED;
    }

    /**
     * As {@link #dot4}, two rows a pass: one load of packed nibbles per row and block. The scales are read
     * first: read last, they came after C2 had reached its inlining node limit, so {@code half} was called
     * out of line with every vector spilled around the call (3.5x slower).
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
        int blocks = cols / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long at = rowOffset + (long) b * BLOCK_BYTES;
            long bt = at + rowBytes;
            FloatVector d = FloatVector.broadcast(FLOATS, half(at));
            FloatVector f = FloatVector.broadcast(FLOATS, half(bt));
            IntVector wide = QuantBlocks.widen(QuantBlocks.packed(data, at + 2), 0);
            IntVector next = QuantBlocks.widen(QuantBlocks.packed(data, bt + 2), 0);
            FloatVector w = QuantBlocks.low(wide);
            FloatVector v = QuantBlocks.high(wide);
            FloatVector y = QuantBlocks.low(next);
            FloatVector z = QuantBlocks.high(next);
            int k = b * BLOCK;
            FloatVector lo = FloatVector.fromArray(FLOATS, x, x0 + k);
            FloatVector hi = FloatVector.fromArray(FLOATS, x, x0 + k + HALF);
            a0 = v.fma(hi, w.fma(lo, FloatVector.zero(FLOATS))).fma(d, a0);
            c0 = z.fma(hi, y.fma(lo, FloatVector.zero(FLOATS))).fma(f, c0);
            lo = FloatVector.fromArray(FLOATS, x, x1 + k);
            hi = FloatVector.fromArray(FLOATS, x, x1 + k + HALF);
            a1 = v.fma(hi, w.fma(lo, FloatVector.zero(FLOATS))).fma(d, a1);
            c1 = z.fma(hi, y.fma(lo, FloatVector.zero(FLOATS))).fma(f, c1);
            lo = FloatVector.fromArray(FLOATS, x, x2 + k);
            hi = FloatVector.fromArray(FLOATS, x, x2 + k + HALF);
            a2 = v.fma(hi, w.fma(lo, FloatVector.zero(FLOATS))).fma(d, a2);
            c2 = z.fma(hi, y.fma(lo, FloatVector.zero(FLOATS))).fma(f, c2);
            lo = FloatVector.fromArray(FLOATS, x, x3 + k);
            hi = FloatVector.fromArray(FLOATS, x, x3 + k + HALF);
            a3 = v.fma(hi, w.fma(lo, FloatVector.zero(FLOATS))).fma(d, a3);
            c3 = z.fma(hi, y.fma(lo, FloatVector.zero(FLOATS))).fma(f, c3);
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
        storeSums(x, sums, out, o, o + o1, o + o2, o + o3);
        storeSums(x, sums + 4 * LANES, out, o + 1, o + 1 + o1, o + 1 + o2, o + 1 + o3);
    }

    /** As Q8_0's, except that each load of packed nibbles is split into both halves of the block. */
    @Override
    void dot4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] out, int o0, int o1, int o2,
              int o3) {
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        FloatVector acc2 = FloatVector.zero(FLOATS);
        FloatVector acc3 = FloatVector.zero(FLOATS);
        int blocks = cols / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long at = rowOffset + (long) b * BLOCK_BYTES;
            FloatVector s0 = FloatVector.zero(FLOATS);
            FloatVector s1 = FloatVector.zero(FLOATS);
            FloatVector s2 = FloatVector.zero(FLOATS);
            FloatVector s3 = FloatVector.zero(FLOATS);
            for (int j = 0; j < HALF; j += BYTES.length()) {
                ByteVector packed = QuantBlocks.packed(data, at + 2 + j);
                for (int p = 0; p < BYTE_PARTS; p++) {
                    IntVector wide = QuantBlocks.widen(packed, p);
                    FloatVector w = QuantBlocks.low(wide);
                    FloatVector v = QuantBlocks.high(wide);
                    int k = b * BLOCK + j + p * LANES;
                    s0 = v.fma(FloatVector.fromArray(FLOATS, x, x0 + k + HALF), w.fma(FloatVector.fromArray(FLOATS, x, x0 + k), s0));
                    s1 = v.fma(FloatVector.fromArray(FLOATS, x, x1 + k + HALF), w.fma(FloatVector.fromArray(FLOATS, x, x1 + k), s1));
                    s2 = v.fma(FloatVector.fromArray(FLOATS, x, x2 + k + HALF), w.fma(FloatVector.fromArray(FLOATS, x, x2 + k), s2));
                    s3 = v.fma(FloatVector.fromArray(FLOATS, x, x3 + k + HALF), w.fma(FloatVector.fromArray(FLOATS, x, x3 + k), s3));
                }
            }
            FloatVector d = FloatVector.broadcast(FLOATS, half(at));
            acc0 = s0.fma(d, acc0);
            acc1 = s1.fma(d, acc1);
            acc2 = s2.fma(d, acc2);
            acc3 = s3.fma(d, acc3);
        }
        int sums = sums(x0);
        acc0.intoArray(x, sums);
        acc1.intoArray(x, sums + LANES);
        acc2.intoArray(x, sums + 2 * LANES);
        acc3.intoArray(x, sums + 3 * LANES);
        storeSums(x, sums, out, o0, o1, o2, o3);
    }

    @Override
    void blockDecode(long at, float d, float[] dst, int offset) {
        QuantBlocks.q4Decode(data, at, d, dst, offset);
    }
}
