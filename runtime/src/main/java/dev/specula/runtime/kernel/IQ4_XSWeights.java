package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.QuantBlocks.BLOCK;
import static dev.specula.runtime.kernel.QuantBlocks.HALF;
import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.LANES;

import dev.specula.runtime.tensor.Tensor;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml IQ4_XS, read in place: super-blocks of 256 values, each an fp16 {@code d}, the top two bits of eight 6-bit
 * sub-block scales ({@code scales_h}, 16 bits), their low nibbles ({@code scales_l}, 4 bytes), then per sub-block of
 * 32 the 16 bytes of IQ4_NL's table indices; value = d * (scale - 32) * table[q].
 */
final class IQ4_XSWeights extends SuperBlockWeights {

    private static final int BLOCK_BYTES = 136;
    private static final int QUANTS = 8;
    private static final int SUB_BLOCKS = SUPER / BLOCK;
    private static final int PARTS = HALF / LANES;

    IQ4_XSWeights(Tensor tensor) {
        super(tensor);
    }

    /** Sub-block {@code j}'s scale minus 32, from {@code scales_l} as a little-endian int and {@code scales_h}. */
    private static int scale(int low, int high, int j) {
        return (low >>> 4 * j & 0x0f | (high >>> 2 * j & 3) << 4) - 32;
    }

    @Override
    float dot(long rowOffset, float[] x, int xOffset) {
        FloatVector acc = FloatVector.zero(FLOATS);
        int supers = cols / SUPER;
        for (int s = 0; s < supers; s++) {
            long at = rowOffset + (long) s * BLOCK_BYTES;
            float d = half(at);
            int high = data.get(SHORT, at + 2);
            int low = data.get(INT, at + 4);
            for (int j = 0; j < SUB_BLOCKS; j++) {
                ByteVector packed = QuantBlocks.sixteen(data, at + QUANTS + (long) j * HALF);
                ByteVector lo = QuantBlocks.nonLinear(packed.and((byte) 0x0f));
                ByteVector hi = QuantBlocks.nonLinear(packed.lanewise(VectorOperators.LSHR, 4));
                int xi = xOffset + s * SUPER + j * BLOCK;
                FloatVector sum = FloatVector.zero(FLOATS);
                for (int p = 0; p < PARTS; p++) {
                    int l = xi + p * LANES;
                    sum = ((FloatVector) lo.convertShape(VectorOperators.B2F, FLOATS, p))
                            .fma(FloatVector.fromArray(FLOATS, x, l), sum);
                    sum = ((FloatVector) hi.convertShape(VectorOperators.B2F, FLOATS, p))
                            .fma(FloatVector.fromArray(FLOATS, x, l + HALF), sum);
                }
                acc = sum.fma(FloatVector.broadcast(FLOATS, d * scale(low, high, j)), acc);
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
        int supers = cols / SUPER;
        for (int s = 0; s < supers; s++) {
            long at = rowOffset + (long) s * BLOCK_BYTES;
            float d = half(at);
            int high = data.get(SHORT, at + 2);
            int low = data.get(INT, at + 4);
            for (int j = 0; j < SUB_BLOCKS; j++) {
                ByteVector packed = QuantBlocks.sixteen(data, at + QUANTS + (long) j * HALF);
                ByteVector lo = QuantBlocks.nonLinear(packed.and((byte) 0x0f));
                ByteVector hi = QuantBlocks.nonLinear(packed.lanewise(VectorOperators.LSHR, 4));
                FloatVector dl = FloatVector.broadcast(FLOATS, d * scale(low, high, j));
                for (int p = 0; p < PARTS; p++) {
                    FloatVector w = ((FloatVector) lo.convertShape(VectorOperators.B2F, FLOATS, p)).mul(dl);
                    FloatVector v = ((FloatVector) hi.convertShape(VectorOperators.B2F, FLOATS, p)).mul(dl);
                    int k = s * SUPER + j * BLOCK + p * LANES;
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

    @Override
    void dequantize(long rowOffset, float[] dst, int offset) {
        int supers = cols / SUPER;
        for (int s = 0; s < supers; s++) {
            long at = rowOffset + (long) s * BLOCK_BYTES;
            float d = half(at);
            int high = data.get(SHORT, at + 2);
            int low = data.get(INT, at + 4);
            for (int j = 0; j < SUB_BLOCKS; j++) {
                ByteVector packed = QuantBlocks.sixteen(data, at + QUANTS + (long) j * HALF);
                ByteVector lo = QuantBlocks.nonLinear(packed.and((byte) 0x0f));
                ByteVector hi = QuantBlocks.nonLinear(packed.lanewise(VectorOperators.LSHR, 4));
                FloatVector dl = FloatVector.broadcast(FLOATS, d * scale(low, high, j));
                int k = offset + s * SUPER + j * BLOCK;
                for (int p = 0; p < PARTS; p++) {
                    ((FloatVector) lo.convertShape(VectorOperators.B2F, FLOATS, p)).mul(dl).intoArray(dst, k + p * LANES);
                    ((FloatVector) hi.convertShape(VectorOperators.B2F, FLOATS, p)).mul(dl)
                            .intoArray(dst, k + HALF + p * LANES);
                }
            }
        }
    }
}
