package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.QuantBlocks.BLOCK;
import static dev.specula.runtime.kernel.QuantBlocks.HALF;
import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.INTS;
import static dev.specula.runtime.kernel.Species.LANES;

import dev.specula.runtime.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_0 in {@link InterleavedWeights}' layout, in groups of {@link #ROWS} rows ({@link #PARTS} vectors' 16-bit
 * lanes): per group and block column, the group's fp16 scales (one per row), then {@link #ROWS} times the group's
 * byte {@code t} of that block (low nibble value {@code t}, high nibble value {@code t + 16}). The same 18 bytes per
 * block as the file's layout.
 *
 * <p>A nibble times an 8-bit activation quant fits 11 bits, and a block's 32 products, recentred by the
 * activations' {@code 8 * sum}, fit 16 (the unsigned nibbles' sum may wrap on the way; the recentred one is exact
 * modulo 2^16 and in range, so it is exact), so a block costs per vector of rows one load, a mask, a shift, and a
 * multiply and an add per value, and the block's scales are applied once per row in float. All of
 * tinyllama-1.1b's products for one token (Zen 5, AVX-512, 590 MB of Q4_0): one thread 29.7 against 45.5 ms in
 * place ({@link Q4_0Weights}). The cost is accuracy: the 8-bit activations differ from the float ones by up to half
 * a quantization step, as in llama.cpp, whose CPU kernels quantize activations the same way.
 *
 * <p>Each kernel writes its steps' loads out, as its scales' conversions: through a helper returning the vector,
 * Q4_K's run in groups of two vectors was left with the helper as a call, its vectors boxed.
 *
 * <p>An engine that decodes one sequence takes {@link InterleavedWideQ4_0Weights}, the same layout in groups twice
 * as wide, which shares this class's copying and decoding and has kernels of its own.
 */
sealed class InterleavedQ4_0Weights extends InterleavedInt8Weights permits InterleavedWideQ4_0Weights {

    /**
     * Vectors of rows per group. With 512-bit vectors two, which share each step's activation broadcasts and read
     * one whole 64-byte line per step: all of tinyllama-1.1b's products for one token, Zen 5, two threads, 13.6-14.6
     * against 15.8-16.4 ms (one thread 22.1-23.4 against 27.5-29.0), a K=4 ensemble's 23.0-25.0 against 30.0-30.4.
     * With 256-bit vectors (AVX2's 16 registers) two ran slower (25.7-26.9 against 22.7-23.5 ms), with 128-bit no
     * faster (25.9-27.8 against 27.2-27.5).
     */
    static final int PARTS = LANES == 16 ? 2 : 1;
    /** Rows per group. */
    static final int ROWS = PARTS * GROUP;
    static final int BLOCK_BYTES = 2 + HALF;
    private static final int SCALES_BYTES = ROWS * Short.BYTES;
    /** Nibbles are stored as value + 8. */
    static final int NIBBLE_BIAS = 8;
    /** Bytes per block column of a group. */
    private static final int COLUMN_BYTES = ROWS * BLOCK_BYTES;
    /** Four activation rows' products, for {@link #dot4}. */
    private static final ThreadScratch FOUR_ROWS = new ThreadScratch();
    final int blocks;
    /**
     * Bytes of a group's scales, and of its block column, at this object's group width: for the copy and the decoders
     * (each kernel's width is its class's constant).
     */
    private final int scalesBytes;
    private final int columnBytes;

    /** Copies {@code tensor} (Q4_0, rows a multiple of {@link #ROWS}) into the interleaved layout. */
    InterleavedQ4_0Weights(Tensor tensor) {
        this(tensor, ROWS);
    }

    /**
     * Copies {@code tensor} into groups of {@code rows} rows, a multiple of {@link #GROUP}, for a subclass's kernels.
     */
    InterleavedQ4_0Weights(Tensor tensor, int rows) {
        super(tensor, rows, (long) tensor.cols() / BLOCK * rows * BLOCK_BYTES);
        this.blocks = cols / BLOCK;
        this.scalesBytes = rows * Short.BYTES;
        this.columnBytes = rows * BLOCK_BYTES;
        interleave(blocks, BLOCK_BYTES, columnBytes);
    }

    @Override
    final void copyUnit(MemorySegment source, long from, byte[] unit, int lane) {
        copyHalf(source, from, unit, lane * Short.BYTES);
        spread(source, from + 2, HALF, unit, scalesBytes + lane);
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
        for (int b = 0; b < blocks; b++, at += COLUMN_BYTES) {
            // The low and the high nibbles' products in sums apart: one chain of 32 dependent adds per block bound the
            // loop in cache (a 256x2048 matrix in L2, one thread: 0.45-0.50 against 0.50-0.55 ns per 32 values).
            ShortVector sum0 = ShortVector.zero(GROUP_SHORTS);
            ShortVector sumHi0 = ShortVector.zero(GROUP_SHORTS);
            ShortVector sum1 = ShortVector.zero(GROUP_SHORTS);
            ShortVector sumHi1 = ShortVector.zero(GROUP_SHORTS);
            int k = qo + b * BLOCK;
            for (int t = 0; t < HALF; t++) {
                ShortVector lo = ShortVector.broadcast(GROUP_SHORTS, q[k + t]);
                ShortVector hi = ShortVector.broadcast(GROUP_SHORTS, q[k + t + HALF]);
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(GROUP_BYTES, data, at + SCALES_BYTES + (long) t * ROWS, ORDER)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, GROUP_SHORTS, 0);
                sum0 = sum0.add(v.and((short) 0x0f).mul(lo));
                sumHi0 = sumHi0.add(v.lanewise(VectorOperators.LSHR, 4).mul(hi));
                if (PARTS == 2) {
                    v = (ShortVector) ByteVector.fromMemorySegment(GROUP_BYTES, data, at + SCALES_BYTES + (long) t * ROWS + GROUP, ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, GROUP_SHORTS, 0);
                    sum1 = sum1.add(v.and((short) 0x0f).mul(lo));
                    sumHi1 = sumHi1.add(v.lanewise(VectorOperators.LSHR, 4).mul(hi));
                }
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
            if (PARTS == 2) {
                sum1 = sum1.add(sumHi1).sub(bias);
                halves = ShortVector.fromMemorySegment(GROUP_SHORTS, data, at + GROUP * Short.BYTES, ORDER);
                h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
                d = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS).mul(scale);
                acc2 = ((FloatVector) sum1.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(d, acc2);
                h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 1);
                d = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS).mul(scale);
                acc3 = ((FloatVector) sum1.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(d, acc3);
            }
        }
        acc0.intoArray(out, o);
        acc1.intoArray(out, o + LANES);
        if (PARTS == 2) {
            acc2.intoArray(out, o + 2 * LANES);
            acc3.intoArray(out, o + 3 * LANES);
        }
    }

    @Override
    void dot4(long at, Int8Activations a, int b1, int b2, int b3, float[] out, int o0, int o1, int o2, int o3) {
        if (PARTS == 2) {
            dot4TwoVectors(at, a, b1, b2, b3, out, o0, o1, o2, o3);
        } else {
            dot4OneVector(at, a, b1, b2, b3, out, o0, o1, o2, o3);
        }
    }

    /**
     * {@link #dot4} for groups of two vectors of rows: each step's values are unpacked once for the four activation
     * rows and each activation broadcast once for both vectors. Each block's eight 16-bit sums are scaled straight
     * from the registers they were summed in: one thread over a 5632x2048 matrix in L3, 1.04-1.14 against 1.15-1.28
     * ns per 32 values when they went through an array to a method of their own. Written out per activation row,
     * since picked by index in a loop over the rows (as Q4_K's are) they ran 1.12-1.14 against 1.06-1.08 in the same
     * processes.
     */
    private void dot4TwoVectors(long at, Int8Activations a, int b1, int b2, int b3, float[] out, int o0, int o1, int o2,
                                int o3) {
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
        // Sixteen float sums would not fit the registers beside eight 16-bit ones: they add up in memory, a scratch
        // array since with fewer than four members the outputs are the same entries.
        float[] rows = FOUR_ROWS.atLeast(4 * ROWS);
        Arrays.fill(rows, 0, 4 * ROWS, 0f);
        for (int b = 0; b < blocks; b++, at += COLUMN_BYTES) {
            ShortVector sum00 = ShortVector.zero(GROUP_SHORTS);
            ShortVector sum01 = ShortVector.zero(GROUP_SHORTS);
            ShortVector sum10 = ShortVector.zero(GROUP_SHORTS);
            ShortVector sum11 = ShortVector.zero(GROUP_SHORTS);
            ShortVector sum20 = ShortVector.zero(GROUP_SHORTS);
            ShortVector sum21 = ShortVector.zero(GROUP_SHORTS);
            ShortVector sum30 = ShortVector.zero(GROUP_SHORTS);
            ShortVector sum31 = ShortVector.zero(GROUP_SHORTS);
            int k = b * BLOCK;
            for (int t = 0; t < HALF; t++) {
                ShortVector v0 = (ShortVector) ByteVector.fromMemorySegment(GROUP_BYTES, data, at + SCALES_BYTES + (long) t * ROWS, ORDER)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, GROUP_SHORTS, 0);
                ShortVector lo0 = v0.and((short) 0x0f);
                ShortVector hi0 = v0.lanewise(VectorOperators.LSHR, 4);
                ShortVector v1 = (ShortVector) ByteVector.fromMemorySegment(GROUP_BYTES, data, at + SCALES_BYTES + (long) t * ROWS + GROUP, ORDER)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, GROUP_SHORTS, 0);
                ShortVector lo1 = v1.and((short) 0x0f);
                ShortVector hi1 = v1.lanewise(VectorOperators.LSHR, 4);
                int kt = k + t;
                ShortVector lo = ShortVector.broadcast(GROUP_SHORTS, q[q0 + kt]);
                ShortVector hi = ShortVector.broadcast(GROUP_SHORTS, q[q0 + kt + HALF]);
                sum00 = sum00.add(lo0.mul(lo)).add(hi0.mul(hi));
                sum01 = sum01.add(lo1.mul(lo)).add(hi1.mul(hi));
                lo = ShortVector.broadcast(GROUP_SHORTS, q[q1 + kt]);
                hi = ShortVector.broadcast(GROUP_SHORTS, q[q1 + kt + HALF]);
                sum10 = sum10.add(lo0.mul(lo)).add(hi0.mul(hi));
                sum11 = sum11.add(lo1.mul(lo)).add(hi1.mul(hi));
                lo = ShortVector.broadcast(GROUP_SHORTS, q[q2 + kt]);
                hi = ShortVector.broadcast(GROUP_SHORTS, q[q2 + kt + HALF]);
                sum20 = sum20.add(lo0.mul(lo)).add(hi0.mul(hi));
                sum21 = sum21.add(lo1.mul(lo)).add(hi1.mul(hi));
                lo = ShortVector.broadcast(GROUP_SHORTS, q[q3 + kt]);
                hi = ShortVector.broadcast(GROUP_SHORTS, q[q3 + kt + HALF]);
                sum30 = sum30.add(lo0.mul(lo)).add(hi0.mul(hi));
                sum31 = sum31.add(lo1.mul(lo)).add(hi1.mul(hi));
            }
            ShortVector halves = ShortVector.fromMemorySegment(GROUP_SHORTS, data, at, ORDER);
            IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
            FloatVector d00 = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
            h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 1);
            FloatVector d01 = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
            halves = ShortVector.fromMemorySegment(GROUP_SHORTS, data, at + GROUP * Short.BYTES, ORDER);
            h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
            FloatVector d10 = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
            h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 1);
            FloatVector d11 = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
            // Per activation row r: its block's quant sum times the nibbles' bias off both vectors of sums, then each
            // quarter widened to floats and added to rows[r * ROWS ..] times the weights' and the activations' scales.
            float scale = s[s0 + b];
            ShortVector bias = ShortVector.broadcast(GROUP_SHORTS, (short) (sums[s0 + b] * NIBBLE_BIAS));
            ShortVector x0 = sum00.sub(bias);
            ShortVector x1 = sum01.sub(bias);
            ((FloatVector) x0.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(d00.mul(scale), FloatVector.fromArray(FLOATS, rows, 0)).intoArray(rows, 0);
            ((FloatVector) x0.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(d01.mul(scale), FloatVector.fromArray(FLOATS, rows, LANES)).intoArray(rows, LANES);
            ((FloatVector) x1.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(d10.mul(scale), FloatVector.fromArray(FLOATS, rows, 2 * LANES)).intoArray(rows, 2 * LANES);
            ((FloatVector) x1.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(d11.mul(scale), FloatVector.fromArray(FLOATS, rows, 3 * LANES)).intoArray(rows, 3 * LANES);
            scale = s[s1 + b];
            bias = ShortVector.broadcast(GROUP_SHORTS, (short) (sums[s1 + b] * NIBBLE_BIAS));
            x0 = sum10.sub(bias);
            x1 = sum11.sub(bias);
            ((FloatVector) x0.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(d00.mul(scale), FloatVector.fromArray(FLOATS, rows, ROWS)).intoArray(rows, ROWS);
            ((FloatVector) x0.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(d01.mul(scale), FloatVector.fromArray(FLOATS, rows, ROWS + LANES)).intoArray(rows, ROWS + LANES);
            ((FloatVector) x1.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(d10.mul(scale), FloatVector.fromArray(FLOATS, rows, ROWS + 2 * LANES)).intoArray(rows, ROWS + 2 * LANES);
            ((FloatVector) x1.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(d11.mul(scale), FloatVector.fromArray(FLOATS, rows, ROWS + 3 * LANES)).intoArray(rows, ROWS + 3 * LANES);
            scale = s[s2 + b];
            bias = ShortVector.broadcast(GROUP_SHORTS, (short) (sums[s2 + b] * NIBBLE_BIAS));
            x0 = sum20.sub(bias);
            x1 = sum21.sub(bias);
            ((FloatVector) x0.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(d00.mul(scale), FloatVector.fromArray(FLOATS, rows, 2 * ROWS)).intoArray(rows, 2 * ROWS);
            ((FloatVector) x0.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(d01.mul(scale), FloatVector.fromArray(FLOATS, rows, 2 * ROWS + LANES)).intoArray(rows, 2 * ROWS + LANES);
            ((FloatVector) x1.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(d10.mul(scale), FloatVector.fromArray(FLOATS, rows, 2 * ROWS + 2 * LANES)).intoArray(rows, 2 * ROWS + 2 * LANES);
            ((FloatVector) x1.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(d11.mul(scale), FloatVector.fromArray(FLOATS, rows, 2 * ROWS + 3 * LANES)).intoArray(rows, 2 * ROWS + 3 * LANES);
            scale = s[s3 + b];
            bias = ShortVector.broadcast(GROUP_SHORTS, (short) (sums[s3 + b] * NIBBLE_BIAS));
            x0 = sum30.sub(bias);
            x1 = sum31.sub(bias);
            ((FloatVector) x0.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(d00.mul(scale), FloatVector.fromArray(FLOATS, rows, 3 * ROWS)).intoArray(rows, 3 * ROWS);
            ((FloatVector) x0.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(d01.mul(scale), FloatVector.fromArray(FLOATS, rows, 3 * ROWS + LANES)).intoArray(rows, 3 * ROWS + LANES);
            ((FloatVector) x1.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(d10.mul(scale), FloatVector.fromArray(FLOATS, rows, 3 * ROWS + 2 * LANES)).intoArray(rows, 3 * ROWS + 2 * LANES);
            ((FloatVector) x1.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(d11.mul(scale), FloatVector.fromArray(FLOATS, rows, 3 * ROWS + 3 * LANES)).intoArray(rows, 3 * ROWS + 3 * LANES);
        }
        System.arraycopy(rows, 0, out, o0, ROWS);
        System.arraycopy(rows, ROWS, out, o1, ROWS);
        System.arraycopy(rows, 2 * ROWS, out, o2, ROWS);
        System.arraycopy(rows, 3 * ROWS, out, o3, ROWS);
    }

    /** {@link #dot4} for groups of one vector of rows, its sums in registers. */
    private void dot4OneVector(long at, Int8Activations a, int b1, int b2, int b3, float[] out, int o0, int o1, int o2,
                               int o3) {
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
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(GROUP_BYTES, data, at + SCALES_BYTES + (long) t * ROWS, ORDER)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, GROUP_SHORTS, 0);
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
    final void decodeGroup(long at, float[] dst) {
        decodeParts(at, 0, group / GROUP, dst);
    }

    /**
     * Vectors {@code [from, from + count)} of the group at byte {@code at}, decoded as {@link #decodeGroup} decodes
     * a group of {@code count * GROUP} rows.
     */
    final void decodeParts(long at, int from, int count, float[] dst) {
        int stride = count * GROUP;
        ShortVector bias = ShortVector.broadcast(GROUP_SHORTS, (short) NIBBLE_BIAS);
        for (int b = 0; b < blocks; b++, at += columnBytes) {
            for (int part = from; part < from + count; part++) {
                ShortVector halves = ShortVector.fromMemorySegment(GROUP_SHORTS, data, at + part * GROUP * Short.BYTES, ORDER);
                IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
                FloatVector d0 = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
                h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 1);
                FloatVector d1 = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
                for (int t = 0; t < HALF; t++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(GROUP_BYTES, data, at + scalesBytes + (long) t * group + part * GROUP, ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, GROUP_SHORTS, 0);
                    ShortVector lo = v.and((short) 0x0f).sub(bias);
                    ShortVector hi = v.lanewise(VectorOperators.LSHR, 4).sub(bias);
                    int k = (b * BLOCK + t) * stride + (part - from) * GROUP;
                    ((FloatVector) lo.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).mul(d0).intoArray(dst, k);
                    ((FloatVector) lo.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).mul(d1).intoArray(dst, k + LANES);
                    k += HALF * stride;
                    ((FloatVector) hi.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).mul(d0).intoArray(dst, k);
                    ((FloatVector) hi.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).mul(d1).intoArray(dst, k + LANES);
                }
            }
        }
    }

    @Override
    final void row(long groupAt, int lane, float[] dst, int offset) {
        for (int b = 0; b < blocks; b++) {
            long at = groupAt + (long) b * columnBytes;
            float d = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + (long) lane * Short.BYTES));
            int k = offset + b * BLOCK;
            for (int t = 0; t < HALF; t++) {
                int packed = data.get(ValueLayout.JAVA_BYTE, at + scalesBytes + (long) t * group + lane) & 0xff;
                dst[k + t] = d * ((packed & 0x0f) - NIBBLE_BIAS);
                dst[k + t + HALF] = d * ((packed >>> 4) - NIBBLE_BIAS);
            }
        }
    }
}
