package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.QuantBlocks.BLOCK;
import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.INTS;
import static dev.specula.runtime.kernel.Species.LANES;

import dev.specula.runtime.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q8_0 in {@link InterleavedWeights}' layout: per group and block column, the group's fp16 scales (one per row),
 * then 32 times the group's quant {@code t} of that block. The same 34 bytes per block as the file's layout.
 *
 * <p>Two 8-bit products fit 16 bits (the activations' quants are within -127..127, so even a -128 weight
 * gives at most 2 * 16256), so the products of two columns are summed on 16-bit lanes and then widened to two
 * 32-bit sums; a block's scales are applied once per row in float. A value costs a 16-bit multiply and half an
 * add, where {@link Q8_0Weights} widens it to a float for an FMA and reduces each row's sum across lanes.
 */
final class InterleavedQ8_0Weights extends InterleavedWeights {

    /**
     * Whether this layout beats the in-place kernel here. 5632x2048, two threads, ns per 32 values in place against
     * interleaved, one row and four: AVX-512 0.66/0.55 and 1.79/1.16 (all of tinyllama-1.1b's products, 28-29 against
     * 21 ms); 128-bit vectors 2.37/1.54 and 8.1/4.7. With 256 bits the in-place kernel is as fast for one row (0.84
     * against 0.90) and faster for four (2.6 against 3.0: AVX2's sixteen registers hold the four-row sums only
     * with spills), so it stays.
     */
    static final boolean FASTER = Species.LANES != 8;

    private static final int BLOCK_BYTES = 2 + BLOCK;
    private static final int SCALES_BYTES = GROUP * Short.BYTES;
    /** Bytes per block column of a group. */
    private static final int COLUMN_BYTES = GROUP * BLOCK_BYTES;
    private final int blocks;

    /** Copies {@code tensor} (Q8_0, rows a multiple of {@link #GROUP}) into the interleaved layout. */
    InterleavedQ8_0Weights(Tensor tensor) {
        super(tensor, GROUP, (long) tensor.cols() / BLOCK * COLUMN_BYTES);
        this.blocks = cols / BLOCK;
        interleave(blocks, BLOCK_BYTES, COLUMN_BYTES);
    }

    @Override
    void copyUnit(MemorySegment source, long from, byte[] unit, int lane) {
        copyHalf(source, from, unit, lane * Short.BYTES);
        spread(source, from + 2, BLOCK, unit, SCALES_BYTES + lane);
    }

    /** Column {@code t} of the block column at byte {@code at}: the group's quants, one per lane. */
    private ShortVector column(long at, int t) {
        return (ShortVector) ByteVector.fromMemorySegment(GROUP_BYTES, data, at + SCALES_BYTES + (long) t * GROUP, ORDER)
                .convertShape(VectorOperators.B2S, GROUP_SHORTS, 0);
    }

    @Override
    void dot(long at, Int8Activations a, int row, float[] out, int o) {
        short[] q = a.quants();
        float[] s = a.scales();
        int qo = a.quantRow(row);
        int so = a.blockRow(row);
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        for (int b = 0; b < blocks; b++, at += COLUMN_BYTES) {
            IntVector sum0 = IntVector.zero(INTS);
            IntVector sum1 = IntVector.zero(INTS);
            int k = qo + b * BLOCK;
            for (int t = 0; t < BLOCK; t += 2) {
                ShortVector pair = column(at, t).mul(ShortVector.broadcast(GROUP_SHORTS, q[k + t]))
                        .add(column(at, t + 1).mul(ShortVector.broadcast(GROUP_SHORTS, q[k + t + 1])));
                sum0 = sum0.add((IntVector) pair.convertShape(VectorOperators.S2I, INTS, 0));
                sum1 = sum1.add((IntVector) pair.convertShape(VectorOperators.S2I, INTS, 1));
            }
            ShortVector halves = ShortVector.fromMemorySegment(GROUP_SHORTS, data, at, ORDER);
            float scale = s[so + b];
            IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
            FloatVector d = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS).mul(scale);
            acc0 = ((FloatVector) sum0.convert(VectorOperators.I2F, 0)).fma(d, acc0);
            h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 1);
            d = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS).mul(scale);
            acc1 = ((FloatVector) sum1.convert(VectorOperators.I2F, 0)).fma(d, acc1);
        }
        acc0.intoArray(out, o);
        acc1.intoArray(out, o + LANES);
    }

    @Override
    void dot4(long at, Int8Activations a, int b1, int b2, int b3, float[] out, int o0, int o1, int o2, int o3) {
        short[] q = a.quants();
        float[] s = a.scales();
        int q0 = a.quantRow(0);
        int q1 = a.quantRow(b1);
        int q2 = a.quantRow(b2);
        int q3 = a.quantRow(b3);
        int s0 = a.blockRow(0);
        int s1 = a.blockRow(b1);
        int s2 = a.blockRow(b2);
        int s3 = a.blockRow(b3);
        FloatVector acc00 = FloatVector.zero(FLOATS);
        FloatVector acc01 = FloatVector.zero(FLOATS);
        FloatVector acc10 = FloatVector.zero(FLOATS);
        FloatVector acc11 = FloatVector.zero(FLOATS);
        FloatVector acc20 = FloatVector.zero(FLOATS);
        FloatVector acc21 = FloatVector.zero(FLOATS);
        FloatVector acc30 = FloatVector.zero(FLOATS);
        FloatVector acc31 = FloatVector.zero(FLOATS);
        for (int b = 0; b < blocks; b++, at += COLUMN_BYTES) {
            IntVector sum00 = IntVector.zero(INTS);
            IntVector sum01 = IntVector.zero(INTS);
            IntVector sum10 = IntVector.zero(INTS);
            IntVector sum11 = IntVector.zero(INTS);
            IntVector sum20 = IntVector.zero(INTS);
            IntVector sum21 = IntVector.zero(INTS);
            IntVector sum30 = IntVector.zero(INTS);
            IntVector sum31 = IntVector.zero(INTS);
            int k = b * BLOCK;
            for (int t = 0; t < BLOCK; t += 2) {
                ShortVector even = column(at, t);
                ShortVector odd = column(at, t + 1);
                int kt = k + t;
                ShortVector pair = even.mul(ShortVector.broadcast(GROUP_SHORTS, q[q0 + kt]))
                        .add(odd.mul(ShortVector.broadcast(GROUP_SHORTS, q[q0 + kt + 1])));
                sum00 = sum00.add((IntVector) pair.convertShape(VectorOperators.S2I, INTS, 0));
                sum01 = sum01.add((IntVector) pair.convertShape(VectorOperators.S2I, INTS, 1));
                pair = even.mul(ShortVector.broadcast(GROUP_SHORTS, q[q1 + kt]))
                        .add(odd.mul(ShortVector.broadcast(GROUP_SHORTS, q[q1 + kt + 1])));
                sum10 = sum10.add((IntVector) pair.convertShape(VectorOperators.S2I, INTS, 0));
                sum11 = sum11.add((IntVector) pair.convertShape(VectorOperators.S2I, INTS, 1));
                pair = even.mul(ShortVector.broadcast(GROUP_SHORTS, q[q2 + kt]))
                        .add(odd.mul(ShortVector.broadcast(GROUP_SHORTS, q[q2 + kt + 1])));
                sum20 = sum20.add((IntVector) pair.convertShape(VectorOperators.S2I, INTS, 0));
                sum21 = sum21.add((IntVector) pair.convertShape(VectorOperators.S2I, INTS, 1));
                pair = even.mul(ShortVector.broadcast(GROUP_SHORTS, q[q3 + kt]))
                        .add(odd.mul(ShortVector.broadcast(GROUP_SHORTS, q[q3 + kt + 1])));
                sum30 = sum30.add((IntVector) pair.convertShape(VectorOperators.S2I, INTS, 0));
                sum31 = sum31.add((IntVector) pair.convertShape(VectorOperators.S2I, INTS, 1));
            }
            ShortVector halves = ShortVector.fromMemorySegment(GROUP_SHORTS, data, at, ORDER);
            IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
            FloatVector d = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
            acc00 = ((FloatVector) sum00.convert(VectorOperators.I2F, 0)).fma(d.mul(s[s0 + b]), acc00);
            acc10 = ((FloatVector) sum10.convert(VectorOperators.I2F, 0)).fma(d.mul(s[s1 + b]), acc10);
            acc20 = ((FloatVector) sum20.convert(VectorOperators.I2F, 0)).fma(d.mul(s[s2 + b]), acc20);
            acc30 = ((FloatVector) sum30.convert(VectorOperators.I2F, 0)).fma(d.mul(s[s3 + b]), acc30);
            h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 1);
            d = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
            acc01 = ((FloatVector) sum01.convert(VectorOperators.I2F, 0)).fma(d.mul(s[s0 + b]), acc01);
            acc11 = ((FloatVector) sum11.convert(VectorOperators.I2F, 0)).fma(d.mul(s[s1 + b]), acc11);
            acc21 = ((FloatVector) sum21.convert(VectorOperators.I2F, 0)).fma(d.mul(s[s2 + b]), acc21);
            acc31 = ((FloatVector) sum31.convert(VectorOperators.I2F, 0)).fma(d.mul(s[s3 + b]), acc31);
        }
        acc00.intoArray(out, o0);
        acc01.intoArray(out, o0 + LANES);
        acc10.intoArray(out, o1);
        acc11.intoArray(out, o1 + LANES);
        acc20.intoArray(out, o2);
        acc21.intoArray(out, o2 + LANES);
        acc30.intoArray(out, o3);
        acc31.intoArray(out, o3 + LANES);
    }

    @Override
    void decodeGroup(long at, float[] dst) {
        for (int b = 0; b < blocks; b++, at += COLUMN_BYTES) {
            ShortVector halves = ShortVector.fromMemorySegment(GROUP_SHORTS, data, at, ORDER);
            IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
            FloatVector d0 = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
            h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 1);
            FloatVector d1 = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
            for (int t = 0; t < BLOCK; t++) {
                ShortVector v = column(at, t);
                int k = (b * BLOCK + t) * GROUP;
                ((FloatVector) v.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).mul(d0).intoArray(dst, k);
                ((FloatVector) v.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).mul(d1).intoArray(dst, k + LANES);
            }
        }
    }

    @Override
    void row(long group, int lane, float[] dst, int offset) {
        for (int b = 0; b < blocks; b++) {
            long at = group + (long) b * COLUMN_BYTES;
            float d = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + (long) lane * Short.BYTES));
            for (int t = 0; t < BLOCK; t++) {
                dst[offset + b * BLOCK + t] = d * data.get(ValueLayout.JAVA_BYTE, at + SCALES_BYTES + (long) t * GROUP + lane);
            }
        }
    }
}
