package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.QuantBlocks.BLOCK;
import static dev.specula.runtime.kernel.QuantBlocks.HALF;
import static dev.specula.runtime.kernel.Species.BYTES;
import static dev.specula.runtime.kernel.Species.BYTE_PARTS;
import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.INTS;
import static dev.specula.runtime.kernel.Species.LANES;

import dev.specula.runtime.tensor.Tensor;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q5_1, read in place: blocks of 32 values, each an fp16 scale {@code d}, an fp16 offset {@code m}, 32 fifth
 * bits and 16 bytes of nibbles laid out as Q5_0's; value = d * q + m. llama.cpp writes it where a Q5_K_M file's
 * row is not whole super-blocks.
 */
final class Q5_1Weights extends ScaledBlockWeights {

    private static final int BLOCK_BYTES = 2 + 2 + 4 + HALF;
    private static final int QUANTS = 8;

    Q5_1Weights(Tensor tensor) {
        super(tensor, BLOCK_BYTES);
    }

    /** Values 0..31 of the lanes from {@code l}: {@code nibbles} under their fifth bits in {@code qh}. */
    private static FloatVector values(IntVector nibbles, IntVector qh, int l) {
        return QuantBlocks.withFifthBits((FloatVector) nibbles.convert(VectorOperators.I2F, 0), qh, l);
    }

    /** The block at byte {@code at}'s fifth bits, in every lane. */
    private IntVector fifthBits(long at) {
        return IntVector.broadcast(INTS, data.get(INT, at + 4));
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
            IntVector qh = fifthBits(at);
            FloatVector d = FloatVector.broadcast(FLOATS, half(at));
            FloatVector m = offset(at);
            for (int j = 0; j < HALF; j += BYTES.length()) {
                ByteVector packed = QuantBlocks.packed(data, at + QUANTS + j);
                for (int p = 0; p < BYTE_PARTS; p++) {
                    IntVector wide = QuantBlocks.widen(packed, p);
                    int l = j + p * LANES;
                    acc = values(wide.and(0x0f), qh, l).fma(d, m).fma(FloatVector.fromArray(FLOATS, x, xi + l), acc);
                    acc = values(wide.lanewise(VectorOperators.LSHR, 4), qh, l + HALF).fma(d, m)
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
            IntVector qh = fifthBits(at);
            FloatVector d = FloatVector.broadcast(FLOATS, half(at));
            FloatVector m = offset(at);
            for (int j = 0; j < HALF; j += BYTES.length()) {
                ByteVector packed = QuantBlocks.packed(data, at + QUANTS + j);
                for (int p = 0; p < BYTE_PARTS; p++) {
                    IntVector wide = QuantBlocks.widen(packed, p);
                    int l = j + p * LANES;
                    FloatVector w = values(wide.and(0x0f), qh, l).fma(d, m);
                    FloatVector v = values(wide.lanewise(VectorOperators.LSHR, 4), qh, l + HALF).fma(d, m);
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
        IntVector qh = fifthBits(at - 2);
        FloatVector dv = FloatVector.broadcast(FLOATS, d);
        FloatVector m = offset(at - 2);
        for (int j = 0; j < HALF; j += BYTES.length()) {
            ByteVector packed = QuantBlocks.packed(data, at + 6 + j);
            for (int p = 0; p < BYTE_PARTS; p++) {
                IntVector wide = QuantBlocks.widen(packed, p);
                int l = j + p * LANES;
                values(wide.and(0x0f), qh, l).fma(dv, m).intoArray(dst, offset + l);
                values(wide.lanewise(VectorOperators.LSHR, 4), qh, l + HALF).fma(dv, m).intoArray(dst, offset + l + HALF);
            }
        }
    }
}
