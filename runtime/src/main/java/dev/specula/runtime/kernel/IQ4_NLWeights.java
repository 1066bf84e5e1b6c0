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
 * ggml IQ4_NL, read in place: blocks of 32 values, each an fp16 scale {@code d} then 16 bytes of nibbles laid out
 * as Q4_0's, each an index into a fixed non-linear table of 16 levels; value = d * table[q]. llama.cpp writes it
 * where an IQ4_XS file's row is not whole super-blocks.
 */
final class IQ4_NLWeights extends ScaledBlockWeights {

    private static final int BLOCK_BYTES = 2 + HALF;
    /** Float vectors per 16 table values. */
    private static final int PARTS = HALF / LANES;

    IQ4_NLWeights(Tensor tensor) {
        super(tensor, BLOCK_BYTES);
    }

    @Override
    float dot(long rowOffset, float[] x, int xOffset) {
        FloatVector acc = FloatVector.zero(FLOATS);
        int blocks = cols / BLOCK;
        long at = rowOffset;
        int xi = xOffset;
        for (int b = 0; b < blocks; b++, at += BLOCK_BYTES, xi += BLOCK) {
            ByteVector packed = QuantBlocks.sixteen(data, at + 2);
            ByteVector low = QuantBlocks.nonLinear(packed.and((byte) 0x0f));
            ByteVector high = QuantBlocks.nonLinear(packed.lanewise(VectorOperators.LSHR, 4));
            FloatVector sum = FloatVector.zero(FLOATS);
            for (int p = 0; p < PARTS; p++) {
                int l = xi + p * LANES;
                sum = ((FloatVector) low.convertShape(VectorOperators.B2F, FLOATS, p))
                        .fma(FloatVector.fromArray(FLOATS, x, l), sum);
                sum = ((FloatVector) high.convertShape(VectorOperators.B2F, FLOATS, p))
                        .fma(FloatVector.fromArray(FLOATS, x, l + HALF), sum);
            }
            acc = sum.fma(FloatVector.broadcast(FLOATS, half(at)), acc);
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
            ByteVector packed = QuantBlocks.sixteen(data, at + 2);
            ByteVector low = QuantBlocks.nonLinear(packed.and((byte) 0x0f));
            ByteVector high = QuantBlocks.nonLinear(packed.lanewise(VectorOperators.LSHR, 4));
            FloatVector d = FloatVector.broadcast(FLOATS, half(at));
            for (int p = 0; p < PARTS; p++) {
                FloatVector w = ((FloatVector) low.convertShape(VectorOperators.B2F, FLOATS, p)).mul(d);
                FloatVector v = ((FloatVector) high.convertShape(VectorOperators.B2F, FLOATS, p)).mul(d);
                int k = b * BLOCK + p * LANES;
                int h = k + HALF;
                acc0 = v.fma(FloatVector.fromArray(FLOATS, x, x0 + h), w.fma(FloatVector.fromArray(FLOATS, x, x0 + k), acc0));
                acc1 = v.fma(FloatVector.fromArray(FLOATS, x, x1 + h), w.fma(FloatVector.fromArray(FLOATS, x, x1 + k), acc1));
                acc2 = v.fma(FloatVector.fromArray(FLOATS, x, x2 + h), w.fma(FloatVector.fromArray(FLOATS, x, x2 + k), acc2));
                acc3 = v.fma(FloatVector.fromArray(FLOATS, x, x3 + h), w.fma(FloatVector.fromArray(FLOATS, x, x3 + k), acc3));
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
    void blockDecode(long at, float d, float[] dst, int offset) {
        ByteVector packed = QuantBlocks.sixteen(data, at);
        ByteVector low = QuantBlocks.nonLinear(packed.and((byte) 0x0f));
        ByteVector high = QuantBlocks.nonLinear(packed.lanewise(VectorOperators.LSHR, 4));
        FloatVector dv = FloatVector.broadcast(FLOATS, d);
        for (int p = 0; p < PARTS; p++) {
            ((FloatVector) low.convertShape(VectorOperators.B2F, FLOATS, p)).mul(dv).intoArray(dst, offset + p * LANES);
            ((FloatVector) high.convertShape(VectorOperators.B2F, FLOATS, p)).mul(dv)
                    .intoArray(dst, offset + HALF + p * LANES);
        }
    }
}
