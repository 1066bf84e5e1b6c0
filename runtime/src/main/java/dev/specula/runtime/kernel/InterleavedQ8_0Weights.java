package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.QuantBlocks.BLOCK;
import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.INTS;
import static dev.specula.runtime.kernel.Species.LANES;

import dev.specula.runtime.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.stream.IntStream;
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
final class InterleavedQ8_0Weights extends InterleavedInt8Weights {

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
    /** The rows of a group's even and of its odd 16-bit lanes, in order: where {@link #dot4}'s sums come out. */
    private static final int[] EVEN_ROWS = IntStream.range(0, LANES).map(i -> 2 * i).toArray();
    private static final int[] ODD_ROWS = IntStream.range(0, LANES).map(i -> 2 * i + 1).toArray();
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

    /**
     * As {@link #dot} for four activation rows, each pair of columns unpacked once for all four. A pair's 16-bit sums
     * are widened as 32-bit lanes, each holding an even row's sum in its low half and the next row's in its high half,
     * by shifts rather than by {@code S2I}, whose cross-lane shuffles (three per pair and row, beside two broadcasts)
     * bound the loop: one thread, 5632x2048, 1.85-1.88 against 2.25-2.40 ns per 32 values in L3, 1.98-2.05 against
     * 2.46-2.58 streaming. So the sums, the scales and the products come in even and odd rows, stored row by row.
     */
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
        FloatVector accE0 = FloatVector.zero(FLOATS);
        FloatVector accO0 = FloatVector.zero(FLOATS);
        FloatVector accE1 = FloatVector.zero(FLOATS);
        FloatVector accO1 = FloatVector.zero(FLOATS);
        FloatVector accE2 = FloatVector.zero(FLOATS);
        FloatVector accO2 = FloatVector.zero(FLOATS);
        FloatVector accE3 = FloatVector.zero(FLOATS);
        FloatVector accO3 = FloatVector.zero(FLOATS);
        for (int b = 0; b < blocks; b++, at += COLUMN_BYTES) {
            IntVector even0 = IntVector.zero(INTS);
            IntVector odd0 = IntVector.zero(INTS);
            IntVector even1 = IntVector.zero(INTS);
            IntVector odd1 = IntVector.zero(INTS);
            IntVector even2 = IntVector.zero(INTS);
            IntVector odd2 = IntVector.zero(INTS);
            IntVector even3 = IntVector.zero(INTS);
            IntVector odd3 = IntVector.zero(INTS);
            int k = b * BLOCK;
            for (int t = 0; t < BLOCK; t += 2) {
                ShortVector even = column(at, t);
                ShortVector odd = column(at, t + 1);
                int kt = k + t;
                IntVector x = even.mul(ShortVector.broadcast(GROUP_SHORTS, q[q0 + kt]))
                        .add(odd.mul(ShortVector.broadcast(GROUP_SHORTS, q[q0 + kt + 1]))).reinterpretAsInts();
                even0 = even0.add(x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                odd0 = odd0.add(x.lanewise(VectorOperators.ASHR, 16));
                x = even.mul(ShortVector.broadcast(GROUP_SHORTS, q[q1 + kt]))
                        .add(odd.mul(ShortVector.broadcast(GROUP_SHORTS, q[q1 + kt + 1]))).reinterpretAsInts();
                even1 = even1.add(x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                odd1 = odd1.add(x.lanewise(VectorOperators.ASHR, 16));
                x = even.mul(ShortVector.broadcast(GROUP_SHORTS, q[q2 + kt]))
                        .add(odd.mul(ShortVector.broadcast(GROUP_SHORTS, q[q2 + kt + 1]))).reinterpretAsInts();
                even2 = even2.add(x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                odd2 = odd2.add(x.lanewise(VectorOperators.ASHR, 16));
                x = even.mul(ShortVector.broadcast(GROUP_SHORTS, q[q3 + kt]))
                        .add(odd.mul(ShortVector.broadcast(GROUP_SHORTS, q[q3 + kt + 1]))).reinterpretAsInts();
                even3 = even3.add(x.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                odd3 = odd3.add(x.lanewise(VectorOperators.ASHR, 16));
            }
            // An fp16 sign-extended and shifted left by 13, as elsewhere, from the low or the high half of each lane.
            IntVector h = ShortVector.fromMemorySegment(GROUP_SHORTS, data, at, ORDER).reinterpretAsInts();
            FloatVector dE = h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
            FloatVector dO = h.and(0xffff0000).lanewise(VectorOperators.ASHR, 3).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
            accE0 = ((FloatVector) even0.convert(VectorOperators.I2F, 0)).fma(dE.mul(s[s0 + b]), accE0);
            accO0 = ((FloatVector) odd0.convert(VectorOperators.I2F, 0)).fma(dO.mul(s[s0 + b]), accO0);
            accE1 = ((FloatVector) even1.convert(VectorOperators.I2F, 0)).fma(dE.mul(s[s1 + b]), accE1);
            accO1 = ((FloatVector) odd1.convert(VectorOperators.I2F, 0)).fma(dO.mul(s[s1 + b]), accO1);
            accE2 = ((FloatVector) even2.convert(VectorOperators.I2F, 0)).fma(dE.mul(s[s2 + b]), accE2);
            accO2 = ((FloatVector) odd2.convert(VectorOperators.I2F, 0)).fma(dO.mul(s[s2 + b]), accO2);
            accE3 = ((FloatVector) even3.convert(VectorOperators.I2F, 0)).fma(dE.mul(s[s3 + b]), accE3);
            accO3 = ((FloatVector) odd3.convert(VectorOperators.I2F, 0)).fma(dO.mul(s[s3 + b]), accO3);
        }
        accE0.intoArray(out, o0, EVEN_ROWS, 0);
        accO0.intoArray(out, o0, ODD_ROWS, 0);
        accE1.intoArray(out, o1, EVEN_ROWS, 0);
        accO1.intoArray(out, o1, ODD_ROWS, 0);
        accE2.intoArray(out, o2, EVEN_ROWS, 0);
        accO2.intoArray(out, o2, ODD_ROWS, 0);
        accE3.intoArray(out, o3, EVEN_ROWS, 0);
        accO3.intoArray(out, o3, ODD_ROWS, 0);
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
