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
 * ggml Q4_1, read in place: blocks of 32 values, each an fp16 scale {@code d}, an fp16 offset {@code m} and 16
 * bytes of nibbles laid out as Q4_0's; value = d * q + m. Older GGUF files' type, and llama.cpp's fallback for
 * rows that are not whole super-blocks in some of its mixes.
 */
final class Q4_1Weights extends ScaledBlockWeights {

    private static final int BLOCK_BYTES = 2 + 2 + HALF;
    private static final int QUANTS = 4;

    Q4_1Weights(Tensor tensor) {
        super(tensor, BLOCK_BYTES);
    }

    /** The block at byte {@code at}'s offset {@code m}, in every lane. */
    private FloatVector offset(long at) {
        return FloatVector.broadcast(FLOATS, half(at + 2));
    }

    @Override
    float dot(long rowOffset, float[] x, int xOffset) {
        FloatVector acc = FloatVector.zero(FLOATS);
        int blocks = cols / BLOCK;
        long at = rowOffset;
        int xi = xOffset;
        for (int b = 0; b < blocks; b++, at += BLOCK_BYTES, xi += BLOCK) {
            FloatVector d = FloatVector.broadcast(FLOATS, half(at));
            FloatVector m = offset(at);
            for (int j = 0; j < HALF; j += BYTES.length()) {
                ByteVector packed = QuantBlocks.packed(data, at + QUANTS + j);
                for (int p = 0; p < BYTE_PARTS; p++) {
                    IntVector wide = QuantBlocks.widen(packed, p);
                    int l = j + p * LANES;
                    acc = QuantBlocks.unsignedLow(wide).fma(d, m).fma(FloatVector.fromArray(FLOATS, x, xi + l), acc);
                    acc = QuantBlocks.unsignedHigh(wide).fma(d, m)
                            .fma(FloatVector.fromArray(FLOATS, x, xi + l + HALF), acc);
                }
            }
        }
        int sums = sums(xOffset);
        acc.intoArray(x, sums);
        return VectorMath.sumLanes(x, sums);
    }

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
            FloatVector d = FloatVector.broadcast(FLOATS, half(at));
            FloatVector m = offset(at);
            for (int j = 0; j < HALF; j += BYTES.length()) {
                ByteVector packed = QuantBlocks.packed(data, at + QUANTS + j);
                for (int p = 0; p < BYTE_PARTS; p++) {
                    IntVector wide = QuantBlocks.widen(packed, p);
                    int l = j + p * LANES;
                    FloatVector w = QuantBlocks.unsignedLow(wide).fma(d, m);
                    FloatVector v = QuantBlocks.unsignedHigh(wide).fma(d, m);
                    int k = b * BLOCK + l;
                    int h = k + HALF;
                    acc0 = v.fma(FloatVector.fromArray(FLOATS, x, x0 + h), w.fma(FloatVector.fromArray(FLOATS, x, x0 + k), acc0));
                    acc1 = v.fma(FloatVector.fromArray(FLOATS, x, x1 + h), w.fma(FloatVector.fromArray(FLOATS, x, x1 + k), acc1));
                    acc2 = v.fma(FloatVector.fromArray(FLOATS, x, x2 + h), w.fma(FloatVector.fromArray(FLOATS, x, x2 + k), acc2));
                    acc3 = v.fma(FloatVector.fromArray(FLOATS, x, x3 + h), w.fma(FloatVector.fromArray(FLOATS, x, x3 + k), acc3));
                }
            }
        }
        int sums = sums(x0);
        acc0.intoArray(x, sums);
        acc1.intoArray(x, sums + LANES);
        acc2.intoArray(x, sums + 2 * LANES);
        acc3.intoArray(x, sums + 3 * LANES);
        storeSums(x, sums, out, o0, o1, o2, o3);
    }

    /** {@code at} is the block's offset {@code m}, just past its scale. */
    @Override
    void blockDecode(long at, float d, float[] dst, int offset) {
        FloatVector dv = FloatVector.broadcast(FLOATS, d);
        FloatVector m = offset(at - 2);
        for (int j = 0; j < HALF; j += BYTES.length()) {
            ByteVector packed = QuantBlocks.packed(data, at + 2 + j);
            for (int p = 0; p < BYTE_PARTS; p++) {
                IntVector wide = QuantBlocks.widen(packed, p);
                int l = j + p * LANES;
                QuantBlocks.unsignedLow(wide).fma(dv, m).intoArray(dst, offset + l);
                QuantBlocks.unsignedHigh(wide).fma(dv, m).intoArray(dst, offset + l + HALF);
            }
        }
    }
}
