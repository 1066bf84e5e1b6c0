package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.QuantBlocks.BLOCK;
import static dev.specula.runtime.kernel.QuantBlocks.HALF;
import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.INTS;
import static dev.specula.runtime.kernel.Species.LANES;

import dev.specula.runtime.tensor.Tensor;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_0 in {@link InterleavedQ4_0Weights}' layout in groups of four vectors of rows (128 with 512-bit vectors), for an
 * engine that multiplies one activation row at a time: each step of its product reads two whole 64-byte lines and
 * shares each activation broadcast among four vectors, where the two-vector groups read one. Zen 5, two threads:
 * tinyllama-1.1b's decode at 81.8-87.8% of a plain read of the same weights in the same minutes against 75.1-80.8%
 * (four `bench` runs each, in turn); a 5632x2048 product (JMH, batch 1) 108 against 134 us; in L2, one row of one
 * thread 0.38 against 0.445 ns per 32 values.
 *
 * <p>Two to four activation rows (a LoRA ensemble's members, a prompt's last few tokens) are four one-row passes,
 * each group read from memory once and from cache three times. A four-row kernel over these groups was measured and
 * lost to the two-vector groups' (a K=4 ensemble's token 31.9-32.2 against 25.5-27.2 ms, as each block's two pairs of
 * vectors in turn and as one pass with sixteen 16-bit sums): those engines keep {@link InterleavedQ4_0Weights}.
 *
 * <p>The one-row kernel writes out the two-vector kernel's steps for four vectors rather than sharing them: a step
 * in a method of its own would take and return vectors, which C2 boxes where it does not inline
 * ({@link InterleavedWeights}).
 */
final class InterleavedWideQ4_0Weights extends InterleavedQ4_0Weights {

    /**
     * Whether this layout is offered ({@link WeightsFactory#residentForOneRow}): with 512-bit vectors. With 256-bit
     * ones (AVX2's 16 registers) even two vectors per group ran slower than one.
     */
    static final boolean FASTER = LANES == 16;
    /** Rows per group. */
    static final int WIDE_ROWS = 4 * GROUP;
    private static final int WIDE_SCALES_BYTES = WIDE_ROWS * Short.BYTES;
    private static final int WIDE_COLUMN_BYTES = WIDE_ROWS * BLOCK_BYTES;

    /** Copies {@code tensor} (Q4_0, rows a multiple of {@link #WIDE_ROWS}) into the interleaved layout. */
    InterleavedWideQ4_0Weights(Tensor tensor) {
        super(tensor, WIDE_ROWS);
    }

    /**
     * A prompt's batched kernel decodes half a group at a time, the two-vector groups' rows, and the pool hands a
     * prompt's rows out in such halves ({@link MatMul}): in whole groups, 128-token prompts of tinyllama-1.1b ran
     * 1113 and 1045 ms against the two-vector groups' 1078 and 1013 (two processes taking turns); in halves 1000 and
     * 974 against 992 and 982. Decoding halves alone, the pool's tiles still whole groups, left them 3% slower.
     */
    @Override
    public int decodedRows() {
        return ROWS;
    }

    @Override
    void decodeRows(long at, int from, float[] dst) {
        decodeParts(at, from / GROUP, PARTS, dst);
    }

    @Override
    void dot(long at, Int8Activations a, int row, float[] out, int o) {
        short[] q = a.quants();
        float[] s = a.scales();
        short[] sums = a.sums();
        int qo = a.quantRow(row);
        int so = a.blockRow(row);
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        FloatVector acc2 = FloatVector.zero(FLOATS);
        FloatVector acc3 = FloatVector.zero(FLOATS);
        FloatVector acc4 = FloatVector.zero(FLOATS);
        FloatVector acc5 = FloatVector.zero(FLOATS);
        FloatVector acc6 = FloatVector.zero(FLOATS);
        FloatVector acc7 = FloatVector.zero(FLOATS);
        for (int b = 0; b < blocks; b++, at += WIDE_COLUMN_BYTES) {
            ShortVector sum0 = ShortVector.zero(GROUP_SHORTS);
            ShortVector sumHi0 = ShortVector.zero(GROUP_SHORTS);
            ShortVector sum1 = ShortVector.zero(GROUP_SHORTS);
            ShortVector sumHi1 = ShortVector.zero(GROUP_SHORTS);
            ShortVector sum2 = ShortVector.zero(GROUP_SHORTS);
            ShortVector sumHi2 = ShortVector.zero(GROUP_SHORTS);
            ShortVector sum3 = ShortVector.zero(GROUP_SHORTS);
            ShortVector sumHi3 = ShortVector.zero(GROUP_SHORTS);
            int k = qo + b * BLOCK;
            for (int t = 0; t < HALF; t++) {
                ShortVector lo = ShortVector.broadcast(GROUP_SHORTS, q[k + t]);
                ShortVector hi = ShortVector.broadcast(GROUP_SHORTS, q[k + t + HALF]);
                long step = at + WIDE_SCALES_BYTES + (long) t * WIDE_ROWS;
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(GROUP_BYTES, data, step, ORDER)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, GROUP_SHORTS, 0);
                sum0 = sum0.add(v.and((short) 0x0f).mul(lo));
                sumHi0 = sumHi0.add(v.lanewise(VectorOperators.LSHR, 4).mul(hi));
                v = (ShortVector) ByteVector.fromMemorySegment(GROUP_BYTES, data, step + GROUP, ORDER)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, GROUP_SHORTS, 0);
                sum1 = sum1.add(v.and((short) 0x0f).mul(lo));
                sumHi1 = sumHi1.add(v.lanewise(VectorOperators.LSHR, 4).mul(hi));
                v = (ShortVector) ByteVector.fromMemorySegment(GROUP_BYTES, data, step + 2 * GROUP, ORDER)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, GROUP_SHORTS, 0);
                sum2 = sum2.add(v.and((short) 0x0f).mul(lo));
                sumHi2 = sumHi2.add(v.lanewise(VectorOperators.LSHR, 4).mul(hi));
                v = (ShortVector) ByteVector.fromMemorySegment(GROUP_BYTES, data, step + 3 * GROUP, ORDER)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, GROUP_SHORTS, 0);
                sum3 = sum3.add(v.and((short) 0x0f).mul(lo));
                sumHi3 = sumHi3.add(v.lanewise(VectorOperators.LSHR, 4).mul(hi));
            }
            ShortVector bias = ShortVector.broadcast(GROUP_SHORTS, (short) (sums[so + b] * NIBBLE_BIAS));
            float scale = s[so + b];
            sum0 = sum0.add(sumHi0).sub(bias);
            ShortVector halves = ShortVector.fromMemorySegment(GROUP_SHORTS, data, at, ORDER);
            IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
            FloatVector d = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS).mul(scale);
            acc0 = ((FloatVector) sum0.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(d, acc0);
            h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 1);
            d = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS).mul(scale);
            acc1 = ((FloatVector) sum0.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(d, acc1);
            sum1 = sum1.add(sumHi1).sub(bias);
            halves = ShortVector.fromMemorySegment(GROUP_SHORTS, data, at + GROUP * Short.BYTES, ORDER);
            h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
            d = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS).mul(scale);
            acc2 = ((FloatVector) sum1.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(d, acc2);
            h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 1);
            d = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS).mul(scale);
            acc3 = ((FloatVector) sum1.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(d, acc3);
            sum2 = sum2.add(sumHi2).sub(bias);
            halves = ShortVector.fromMemorySegment(GROUP_SHORTS, data, at + 2 * GROUP * Short.BYTES, ORDER);
            h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
            d = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS).mul(scale);
            acc4 = ((FloatVector) sum2.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(d, acc4);
            h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 1);
            d = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS).mul(scale);
            acc5 = ((FloatVector) sum2.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(d, acc5);
            sum3 = sum3.add(sumHi3).sub(bias);
            halves = ShortVector.fromMemorySegment(GROUP_SHORTS, data, at + 3 * GROUP * Short.BYTES, ORDER);
            h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
            d = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS).mul(scale);
            acc6 = ((FloatVector) sum3.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(d, acc6);
            h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 1);
            d = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS).mul(scale);
            acc7 = ((FloatVector) sum3.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(d, acc7);
        }
        acc0.intoArray(out, o);
        acc1.intoArray(out, o + LANES);
        acc2.intoArray(out, o + 2 * LANES);
        acc3.intoArray(out, o + 3 * LANES);
        acc4.intoArray(out, o + 4 * LANES);
        acc5.intoArray(out, o + 5 * LANES);
        acc6.intoArray(out, o + 6 * LANES);
        acc7.intoArray(out, o + 7 * LANES);
    }

    @Override
    void dot4(long at, Int8Activations a, int b1, int b2, int b3, float[] out, int o0, int o1, int o2, int o3) {
        oneRowPasses(at, a, b1, b2, b3, out, o0, o1, o2, o3);
    }
}
