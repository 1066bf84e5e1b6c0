package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.QuantBlocks.BLOCK;
import static dev.specula.runtime.kernel.QuantBlocks.HALF;
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
 * Q4_0 in {@link InterleavedWeights}' layout: per group and block column, the group's fp16 scales (one per row),
 * then 16 times the group's byte {@code t} of that block (low nibble value {@code t}, high nibble value
 * {@code t + 16}). The same 18 bytes per block as the file's layout.
 *
 * <p>A nibble times an 8-bit activation quant fits 11 bits, and a block's 32 products, recentred by the
 * activations' {@code 8 * sum}, fit 16 (the unsigned nibbles' sum may wrap on the way; the recentred one is exact
 * modulo 2^16 and in range, so it is exact), so a block costs per group of rows one load, a mask, a shift, and a
 * multiply and an add per value, and the block's scales are applied once per row in float. All of
 * tinyllama-1.1b's products for one token (Zen 5, AVX-512, 590 MB of Q4_0): one thread 29.7 against 45.5 ms in
 * place ({@link Q4_0Weights}), now at the core's share of memory bandwidth rather than its arithmetic; two
 * threads 17-19.5 against 25-26 ms. The cost is accuracy: the 8-bit activations differ from the float ones by up
 * to half a quantization step, as in llama.cpp, whose CPU kernels quantize activations the same way.
 */
final class InterleavedQ4_0Weights extends InterleavedWeights {

    private static final int BLOCK_BYTES = 2 + HALF;
    private static final int SCALES_BYTES = GROUP * Short.BYTES;
    /** Nibbles are stored as value + 8. */
    private static final int NIBBLE_BIAS = 8;
    /** Bytes per block column of a group. */
    private static final int COLUMN_BYTES = GROUP * BLOCK_BYTES;
    private final int blocks;

    /** Copies {@code tensor} (Q4_0, rows a multiple of {@link #GROUP}) into the interleaved layout. */
    InterleavedQ4_0Weights(Tensor tensor) {
        super(tensor, (long) tensor.cols() / BLOCK * COLUMN_BYTES);
        this.blocks = cols / BLOCK;
        interleave(blocks, BLOCK_BYTES, COLUMN_BYTES);
    }

    @Override
    void copyUnit(MemorySegment source, long from, byte[] unit, int lane) {
        copyHalf(source, from, unit, lane * Short.BYTES);
        spread(source, from + 2, HALF, unit, SCALES_BYTES + lane);
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
        for (int b = 0; b < blocks; b++, at += COLUMN_BYTES) {
            // The low and the high nibbles' products in two sums: one chain of 32 dependent adds per block bound the
            // loop in cache (a 256x2048 matrix in L2, one thread: 0.45-0.50 against 0.50-0.55 ns per 32 values;
            // streaming from memory, a whole token's products, the same 15.4-16.8 ms either way).
            ShortVector sum = ShortVector.zero(GROUP_SHORTS);
            ShortVector sumHi = ShortVector.zero(GROUP_SHORTS);
            int k = qo + b * BLOCK;
            for (int t = 0; t < HALF; t++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(GROUP_BYTES, data,
                        at + SCALES_BYTES + (long) t * GROUP, ORDER).convertShape(VectorOperators.ZERO_EXTEND_B2S, GROUP_SHORTS, 0);
                sum = sum.add(v.and((short) 0x0f).mul(ShortVector.broadcast(GROUP_SHORTS, q[k + t])));
                sumHi = sumHi.add(v.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(GROUP_SHORTS, q[k + t + HALF])));
            }
            sum = sum.add(sumHi).sub(ShortVector.broadcast(GROUP_SHORTS, (short) (sums[so + b] * NIBBLE_BIAS)));
            ShortVector halves = ShortVector.fromMemorySegment(GROUP_SHORTS, data, at, ORDER);
            float scale = s[so + b];
            IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
            FloatVector d = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS).mul(scale);
            FloatVector p = (FloatVector) sum.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0);
            acc0 = p.fma(d, acc0);
            h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 1);
            d = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS).mul(scale);
            p = (FloatVector) sum.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0);
            acc1 = p.fma(d, acc1);
        }
        acc0.intoArray(out, o);
        acc1.intoArray(out, o + LANES);
    }

    @Override
    void dot4(long at, Int8Activations a, int b1, int b2, int b3, float[] out, int o0, int o1, int o2, int o3) {
        short[] q = a.quants();
        float[] s = a.scales();
        short[] sums = a.sums();
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
            ShortVector sum0 = ShortVector.zero(GROUP_SHORTS);
            ShortVector sum1 = ShortVector.zero(GROUP_SHORTS);
            ShortVector sum2 = ShortVector.zero(GROUP_SHORTS);
            ShortVector sum3 = ShortVector.zero(GROUP_SHORTS);
            int k = b * BLOCK;
            for (int t = 0; t < HALF; t++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(GROUP_BYTES, data,
                        at + SCALES_BYTES + (long) t * GROUP, ORDER).convertShape(VectorOperators.ZERO_EXTEND_B2S, GROUP_SHORTS, 0);
                ShortVector lo = v.and((short) 0x0f);
                ShortVector hi = v.lanewise(VectorOperators.LSHR, 4);
                int kt = k + t;
                sum0 = sum0.add(lo.mul(ShortVector.broadcast(GROUP_SHORTS, q[q0 + kt])))
                        .add(hi.mul(ShortVector.broadcast(GROUP_SHORTS, q[q0 + kt + HALF])));
                sum1 = sum1.add(lo.mul(ShortVector.broadcast(GROUP_SHORTS, q[q1 + kt])))
                        .add(hi.mul(ShortVector.broadcast(GROUP_SHORTS, q[q1 + kt + HALF])));
                sum2 = sum2.add(lo.mul(ShortVector.broadcast(GROUP_SHORTS, q[q2 + kt])))
                        .add(hi.mul(ShortVector.broadcast(GROUP_SHORTS, q[q2 + kt + HALF])));
                sum3 = sum3.add(lo.mul(ShortVector.broadcast(GROUP_SHORTS, q[q3 + kt])))
                        .add(hi.mul(ShortVector.broadcast(GROUP_SHORTS, q[q3 + kt + HALF])));
            }
            sum0 = sum0.sub(ShortVector.broadcast(GROUP_SHORTS, (short) (sums[s0 + b] * NIBBLE_BIAS)));
            sum1 = sum1.sub(ShortVector.broadcast(GROUP_SHORTS, (short) (sums[s1 + b] * NIBBLE_BIAS)));
            sum2 = sum2.sub(ShortVector.broadcast(GROUP_SHORTS, (short) (sums[s2 + b] * NIBBLE_BIAS)));
            sum3 = sum3.sub(ShortVector.broadcast(GROUP_SHORTS, (short) (sums[s3 + b] * NIBBLE_BIAS)));
            ShortVector halves = ShortVector.fromMemorySegment(GROUP_SHORTS, data, at, ORDER);
            IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
            FloatVector d = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
            acc00 = ((FloatVector) sum0.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(d.mul(s[s0 + b]), acc00);
            acc10 = ((FloatVector) sum1.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(d.mul(s[s1 + b]), acc10);
            acc20 = ((FloatVector) sum2.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(d.mul(s[s2 + b]), acc20);
            acc30 = ((FloatVector) sum3.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(d.mul(s[s3 + b]), acc30);
            h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 1);
            d = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
            acc01 = ((FloatVector) sum0.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(d.mul(s[s0 + b]), acc01);
            acc11 = ((FloatVector) sum1.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(d.mul(s[s1 + b]), acc11);
            acc21 = ((FloatVector) sum2.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(d.mul(s[s2 + b]), acc21);
            acc31 = ((FloatVector) sum3.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(d.mul(s[s3 + b]), acc31);
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
        ShortVector bias = ShortVector.broadcast(GROUP_SHORTS, (short) NIBBLE_BIAS);
        for (int b = 0; b < blocks; b++, at += COLUMN_BYTES) {
            ShortVector halves = ShortVector.fromMemorySegment(GROUP_SHORTS, data, at, ORDER);
            IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
            FloatVector d0 = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
            h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 1);
            FloatVector d1 = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
            for (int t = 0; t < HALF; t++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(GROUP_BYTES, data,
                        at + SCALES_BYTES + (long) t * GROUP, ORDER).convertShape(VectorOperators.ZERO_EXTEND_B2S, GROUP_SHORTS, 0);
                ShortVector lo = v.and((short) 0x0f).sub(bias);
                ShortVector hi = v.lanewise(VectorOperators.LSHR, 4).sub(bias);
                int k = (b * BLOCK + t) * GROUP;
                ((FloatVector) lo.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).mul(d0).intoArray(dst, k);
                ((FloatVector) lo.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).mul(d1).intoArray(dst, k + LANES);
                k += HALF * GROUP;
                ((FloatVector) hi.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).mul(d0).intoArray(dst, k);
                ((FloatVector) hi.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).mul(d1).intoArray(dst, k + LANES);
            }
        }
    }

    @Override
    void row(long group, int lane, float[] dst, int offset) {
        for (int b = 0; b < blocks; b++) {
            long at = group + (long) b * COLUMN_BYTES;
            float d = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + (long) lane * Short.BYTES));
            int k = offset + b * BLOCK;
            for (int t = 0; t < HALF; t++) {
                int packed = data.get(ValueLayout.JAVA_BYTE, at + SCALES_BYTES + (long) t * GROUP + lane) & 0xff;
                dst[k + t] = d * ((packed & 0x0f) - NIBBLE_BIAS);
                dst[k + t + HALF] = d * ((packed >>> 4) - NIBBLE_BIAS);
            }
        }
    }
}
