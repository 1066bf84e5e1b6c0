package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.QuantBlocks.BLOCK;
import static dev.specula.runtime.kernel.Species.BYTES;
import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.INTS;
import static dev.specula.runtime.kernel.Species.LANES;
import static dev.specula.runtime.kernel.SuperBlockWeights.SUPER;

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
 * Q4_K in {@link InterleavedWeights}' layout: per group and super-block of 256 values, the group's fp16
 * {@code d} (one per row), its fp16 {@code dmin}, then the four runs of 64 values: each the group's 6-bit scales
 * of the run's two sub-blocks of 32 (a byte per row), their mins, and for each {@code t < 32} the group's byte
 * {@code t} of the run (low nibble value {@code t} of sub-block {@code 2c}, high nibble of {@code 2c + 1}). 148
 * bytes per row and super-block against the file's 144: the scales and mins unpacked from their twelve bytes at
 * load time, not per product. Each run's scales come just before its nibbles, in the order the product reads
 * them: with all of a super-block's scales first, a one-row pass streaming from memory took 1.44 ns per 32
 * values against 0.66 in cache.
 *
 * <p>Value = {@code d * scale * q - dmin * min}. A sub-block's 32 products {@code (q - 8) * x} fit 16 bits, as in
 * {@link InterleavedQ4_0Weights}, and {@code sum(q * x) = that + 8 * sum(x)}; per row and sub-block the
 * product is {@code dx * (d * scale * sum(q * x) - dmin * min * sum(x))}, applied in float once per sub-block.
 */
final class InterleavedQ4_KWeights extends InterleavedInt8Weights {

    private static final int SOURCE_BYTES = 144;
    private static final int SOURCE_SCALES = 4;
    private static final int SOURCE_QUANTS = 16;
    private static final int SUBS = SUPER / BLOCK;
    private static final int RUN = 2 * BLOCK;
    private static final int RUNS = SUPER / RUN;
    private static final int DMIN = GROUP * Short.BYTES;
    /** Where the runs start, each its two sub-blocks' scales, their mins, then its nibbles. */
    private static final int RUNS_AT = 2 * DMIN;
    private static final int RUN_QUANTS = 4 * GROUP;
    private static final int RUN_STRIDE = RUN_QUANTS + BLOCK * GROUP;
    private static final int SUPER_BYTES = RUNS_AT + RUNS * RUN_STRIDE;
    private static final int NIBBLE_BIAS = 8;

    /** Four activation rows' sums, for {@link #dot4}. */
    private static final ThreadScratch FOUR_ROWS = new ThreadScratch();

    private final int supers;

    /** Copies {@code tensor} (Q4_K, rows a multiple of {@link #GROUP}) into the interleaved layout. */
    InterleavedQ4_KWeights(Tensor tensor) {
        super(tensor, GROUP, (long) tensor.cols() / SUPER * SUPER_BYTES);
        this.supers = cols / SUPER;
        interleave(supers, SOURCE_BYTES, SUPER_BYTES);
    }

    /** The bytes {@code tensor} takes in this layout. */
    static long copyBytes(Tensor tensor) {
        return (long) tensor.rows() / GROUP * (tensor.cols() / SUPER) * SUPER_BYTES;
    }

    @Override
    void copyUnit(MemorySegment source, long from, byte[] unit, int lane) {
        copyHalf(source, from, unit, lane * Short.BYTES);
        copyHalf(source, from + Short.BYTES, unit, DMIN + lane * Short.BYTES);
        int a = source.get(INT, from + SOURCE_SCALES);
        int b = source.get(INT, from + SOURCE_SCALES + 4);
        int c = source.get(INT, from + SOURCE_SCALES + 8);
        long scales = SuperBlockWeights.scales(a, c);
        long mins = SuperBlockWeights.mins(b, c);
        for (int j = 0; j < SUBS; j++) {
            unit[scaleAt(j) + lane] = (byte) SuperBlockWeights.at(scales, j);
            unit[minAt(j) + lane] = (byte) SuperBlockWeights.at(mins, j);
        }
        for (int run = 0; run < RUNS; run++) {
            spread(source, from + SOURCE_QUANTS + (long) run * BLOCK, BLOCK, unit, quantsAt(run) + lane);
        }
    }

    /** Offset in a super-block of sub-block {@code j}'s scales (a byte per row). */
    private static int scaleAt(int j) {
        return RUNS_AT + j / 2 * RUN_STRIDE + j % 2 * GROUP;
    }

    /** Offset in a super-block of sub-block {@code j}'s mins. */
    private static int minAt(int j) {
        return scaleAt(j) + 2 * GROUP;
    }

    /** Offset in a super-block of run {@code c}'s nibbles. */
    private static int quantsAt(int c) {
        return RUNS_AT + c * RUN_STRIDE + RUN_QUANTS;
    }

    /**
     * The group at byte {@code at} against activation row {@code row} of {@code a}, to {@code out[o .. o + GROUP)}:
     * run after run, each adding its products to the sums kept there. One method for all of a row's runs, their
     * scales held in registers across them, compiled to 50 MB of C2's memory, which the C library kept afterwards
     * as the process's own (the bench's heap and buffers then over their bound); a run's method takes a few MB.
     */
    @Override
    void dot(long at, Int8Activations a, int row, float[] out, int o) {
        FloatVector.zero(FLOATS).intoArray(out, o);
        FloatVector.zero(FLOATS).intoArray(out, o + LANES);
        for (int s = 0; s < supers; s++, at += SUPER_BYTES) {
            for (int c = 0; c < RUNS; c++) {
                run(at, c, a, a.quantRow(row) + s * SUPER + c * RUN, a.blockRow(row) + s * SUBS + 2 * c, out, o);
            }
        }
    }

    /**
     * Adds to {@code out[o .. o + GROUP)} the products of run {@code c} of the super-block at byte {@code at} with
     * the activation quants from {@code a.quants()[k]}, whose two blocks' scales and sums are at index {@code j}.
     */
    private void run(long at, int c, Int8Activations a, int k, int j, float[] out, int o) {
        short[] q = a.quants();
        float[] xs = a.scales();
        short[] sums = a.sums();
        // The run's scales and mins are loaded before its quants: loaded after them, they missed the
        // cache on the sums' critical path (2.3 against 0.66 ns per 32 values streaming, in cache).
        long sc = at + scaleAt(2 * c);
        long mn = at + minAt(2 * c);
        FloatVector scLo0 = (FloatVector) ByteVector.fromMemorySegment(BYTES, data, sc, ORDER)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0).convert(VectorOperators.I2F, 0);
        FloatVector scLo1 = (FloatVector) ByteVector.fromMemorySegment(BYTES, data, sc + LANES, ORDER)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0).convert(VectorOperators.I2F, 0);
        FloatVector scHi0 = (FloatVector) ByteVector.fromMemorySegment(BYTES, data, sc + GROUP, ORDER)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0).convert(VectorOperators.I2F, 0);
        FloatVector scHi1 = (FloatVector) ByteVector.fromMemorySegment(BYTES, data, sc + GROUP + LANES, ORDER)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0).convert(VectorOperators.I2F, 0);
        FloatVector mnLo0 = (FloatVector) ByteVector.fromMemorySegment(BYTES, data, mn, ORDER)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0).convert(VectorOperators.I2F, 0);
        FloatVector mnLo1 = (FloatVector) ByteVector.fromMemorySegment(BYTES, data, mn + LANES, ORDER)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0).convert(VectorOperators.I2F, 0);
        FloatVector mnHi0 = (FloatVector) ByteVector.fromMemorySegment(BYTES, data, mn + GROUP, ORDER)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0).convert(VectorOperators.I2F, 0);
        FloatVector mnHi1 = (FloatVector) ByteVector.fromMemorySegment(BYTES, data, mn + GROUP + LANES, ORDER)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0).convert(VectorOperators.I2F, 0);
        ShortVector lo = ShortVector.zero(GROUP_SHORTS);
        ShortVector hi = ShortVector.zero(GROUP_SHORTS);
        long quants = at + quantsAt(c);
        for (int t = 0; t < BLOCK; t++) {
            ShortVector v = (ShortVector) ByteVector.fromMemorySegment(GROUP_BYTES, data, quants + (long) t * GROUP, ORDER)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, GROUP_SHORTS, 0);
            lo = lo.add(v.and((short) 0x0f).mul(ShortVector.broadcast(GROUP_SHORTS, q[k + t])));
            hi = hi.add(v.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(GROUP_SHORTS, q[k + BLOCK + t])));
        }
        ShortVector halves = ShortVector.fromMemorySegment(GROUP_SHORTS, data, at, ORDER);
        IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
        FloatVector d0 = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
        h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 1);
        FloatVector d1 = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
        halves = ShortVector.fromMemorySegment(GROUP_SHORTS, data, at + DMIN, ORDER);
        h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
        FloatVector n0 = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
        h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 1);
        FloatVector n1 = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
        // Sub-block 2c's sums are lo's, 2c + 1's hi's: the same steps written out for each, since a vector
        // chosen between two by a condition was boxed (allocating per sub-block).
        lo = lo.sub(ShortVector.broadcast(GROUP_SHORTS, (short) (sums[j] * NIBBLE_BIAS)));
        hi = hi.sub(ShortVector.broadcast(GROUP_SHORTS, (short) (sums[j + 1] * NIBBLE_BIAS)));
        FloatVector dxLo = FloatVector.broadcast(FLOATS, xs[j]);
        FloatVector dxHi = FloatVector.broadcast(FLOATS, xs[j + 1]);
        FloatVector minLo = FloatVector.broadcast(FLOATS, -xs[j] * sums[j]);
        FloatVector minHi = FloatVector.broadcast(FLOATS, -xs[j + 1] * sums[j + 1]);
        float recentreLo = NIBBLE_BIAS * sums[j];
        float recentreHi = NIBBLE_BIAS * sums[j + 1];
        FloatVector acc0 = FloatVector.fromArray(FLOATS, out, o);
        FloatVector acc1 = FloatVector.fromArray(FLOATS, out, o + LANES);
        acc0 = n0.mul(mnLo0).fma(minLo, d0.mul(scLo0)
                .mul(((FloatVector) lo.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).add(recentreLo))
                .fma(dxLo, acc0));
        acc1 = n1.mul(mnLo1).fma(minLo, d1.mul(scLo1)
                .mul(((FloatVector) lo.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).add(recentreLo))
                .fma(dxLo, acc1));
        acc0 = n0.mul(mnHi0).fma(minHi, d0.mul(scHi0)
                .mul(((FloatVector) hi.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).add(recentreHi))
                .fma(dxHi, acc0));
        acc1 = n1.mul(mnHi1).fma(minHi, d1.mul(scHi1)
                .mul(((FloatVector) hi.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).add(recentreHi))
                .fma(dxHi, acc1));
        acc0.intoArray(out, o);
        acc1.intoArray(out, o + LANES);
    }

    /**
     * As {@link #dot} for four activation rows: each run's nibbles are unpacked once for all four, and its scales and
     * mins converted once; each row's 16-bit sums are scaled straight from the registers they were summed in. Through
     * an array to a method of their own they took 1.51-1.61 against 1.27-1.34 ns per 32 values (5632x2048 in L3,
     * one thread; written out per row, not picked by index in a loop, 2-3% faster again in four times the code). The
     * runs add to sums of the four rows' own, since fewer than four rows repeat the last.
     */
    @Override
    void dot4(long at, Int8Activations a, int b1, int b2, int b3, float[] out, int o0, int o1, int o2, int o3) {
        float[] rows = FOUR_ROWS.atLeast(4 * GROUP);
        Arrays.fill(rows, 0, 4 * GROUP, 0f);
        short[] q = a.quants();
        float[] xs = a.scales();
        short[] xsums = a.sums();
        int j0 = a.blockRow(0);
        int j1 = a.blockRow(b1);
        int j2 = a.blockRow(b2);
        int j3 = a.blockRow(b3);
        for (int s = 0; s < supers; s++, at += SUPER_BYTES) {
            for (int c = 0; c < RUNS; c++) {
                int k = s * SUPER + c * RUN;
                int k0 = a.quantRow(0) + k;
                int k1 = a.quantRow(b1) + k;
                int k2 = a.quantRow(b2) + k;
                int k3 = a.quantRow(b3) + k;
                long quants = at + quantsAt(c);
                ShortVector lo0 = ShortVector.zero(GROUP_SHORTS);
                ShortVector hi0 = ShortVector.zero(GROUP_SHORTS);
                ShortVector lo1 = ShortVector.zero(GROUP_SHORTS);
                ShortVector hi1 = ShortVector.zero(GROUP_SHORTS);
                ShortVector lo2 = ShortVector.zero(GROUP_SHORTS);
                ShortVector hi2 = ShortVector.zero(GROUP_SHORTS);
                ShortVector lo3 = ShortVector.zero(GROUP_SHORTS);
                ShortVector hi3 = ShortVector.zero(GROUP_SHORTS);
                for (int t = 0; t < BLOCK; t++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(GROUP_BYTES, data, quants + (long) t * GROUP, ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, GROUP_SHORTS, 0);
                    ShortVector low = v.and((short) 0x0f);
                    ShortVector high = v.lanewise(VectorOperators.LSHR, 4);
                    lo0 = lo0.add(low.mul(ShortVector.broadcast(GROUP_SHORTS, q[k0 + t])));
                    hi0 = hi0.add(high.mul(ShortVector.broadcast(GROUP_SHORTS, q[k0 + BLOCK + t])));
                    lo1 = lo1.add(low.mul(ShortVector.broadcast(GROUP_SHORTS, q[k1 + t])));
                    hi1 = hi1.add(high.mul(ShortVector.broadcast(GROUP_SHORTS, q[k1 + BLOCK + t])));
                    lo2 = lo2.add(low.mul(ShortVector.broadcast(GROUP_SHORTS, q[k2 + t])));
                    hi2 = hi2.add(high.mul(ShortVector.broadcast(GROUP_SHORTS, q[k2 + BLOCK + t])));
                    lo3 = lo3.add(low.mul(ShortVector.broadcast(GROUP_SHORTS, q[k3 + t])));
                    hi3 = hi3.add(high.mul(ShortVector.broadcast(GROUP_SHORTS, q[k3 + BLOCK + t])));
                }
                long sc = at + scaleAt(2 * c);
                long mn = at + minAt(2 * c);
                ShortVector halves = ShortVector.fromMemorySegment(GROUP_SHORTS, data, at, ORDER);
                IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
                FloatVector d0 = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
                h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 1);
                FloatVector d1 = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
                halves = ShortVector.fromMemorySegment(GROUP_SHORTS, data, at + DMIN, ORDER);
                h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
                FloatVector n0 = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
                h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 1);
                FloatVector n1 = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
                // d * scale and dmin * min per row of the group, for both sub-blocks: the same products run takes.
                FloatVector dLo0 = d0.mul((FloatVector) ByteVector.fromMemorySegment(BYTES, data, sc, ORDER)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0).convert(VectorOperators.I2F, 0));
                FloatVector dLo1 = d1.mul((FloatVector) ByteVector.fromMemorySegment(BYTES, data, sc + LANES, ORDER)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0).convert(VectorOperators.I2F, 0));
                FloatVector dHi0 = d0.mul((FloatVector) ByteVector.fromMemorySegment(BYTES, data, sc + GROUP, ORDER)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0).convert(VectorOperators.I2F, 0));
                FloatVector dHi1 = d1.mul((FloatVector) ByteVector.fromMemorySegment(BYTES, data, sc + GROUP + LANES, ORDER)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0).convert(VectorOperators.I2F, 0));
                FloatVector nLo0 = n0.mul((FloatVector) ByteVector.fromMemorySegment(BYTES, data, mn, ORDER)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0).convert(VectorOperators.I2F, 0));
                FloatVector nLo1 = n1.mul((FloatVector) ByteVector.fromMemorySegment(BYTES, data, mn + LANES, ORDER)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0).convert(VectorOperators.I2F, 0));
                FloatVector nHi0 = n0.mul((FloatVector) ByteVector.fromMemorySegment(BYTES, data, mn + GROUP, ORDER)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0).convert(VectorOperators.I2F, 0));
                FloatVector nHi1 = n1.mul((FloatVector) ByteVector.fromMemorySegment(BYTES, data, mn + GROUP + LANES, ORDER)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0).convert(VectorOperators.I2F, 0));
                // Each row's vectors are made and used within its own pass, its sums picked by index, its blocks' index
                // from ints set before the loops (from a call to blockRow here, the products took 2.5 times as long).
                for (int r = 0; r < 4; r++) {
                    int j = (r == 0 ? j0 : r == 1 ? j1 : r == 2 ? j2 : j3) + s * SUBS + 2 * c;
                    ShortVector lo = (r == 0 ? lo0 : r == 1 ? lo1 : r == 2 ? lo2 : lo3)
                            .sub(ShortVector.broadcast(GROUP_SHORTS, (short) (xsums[j] * NIBBLE_BIAS)));
                    ShortVector hi = (r == 0 ? hi0 : r == 1 ? hi1 : r == 2 ? hi2 : hi3)
                            .sub(ShortVector.broadcast(GROUP_SHORTS, (short) (xsums[j + 1] * NIBBLE_BIAS)));
                    FloatVector dxLo = FloatVector.broadcast(FLOATS, xs[j]);
                    FloatVector dxHi = FloatVector.broadcast(FLOATS, xs[j + 1]);
                    FloatVector minLo = FloatVector.broadcast(FLOATS, -xs[j] * xsums[j]);
                    FloatVector minHi = FloatVector.broadcast(FLOATS, -xs[j + 1] * xsums[j + 1]);
                    float recentreLo = NIBBLE_BIAS * xsums[j];
                    float recentreHi = NIBBLE_BIAS * xsums[j + 1];
                    int o = r * GROUP;
                    FloatVector acc0 = nLo0.fma(minLo, dLo0
                            .mul(((FloatVector) lo.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).add(recentreLo))
                            .fma(dxLo, FloatVector.fromArray(FLOATS, rows, o)));
                    FloatVector acc1 = nLo1.fma(minLo, dLo1
                            .mul(((FloatVector) lo.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).add(recentreLo))
                            .fma(dxLo, FloatVector.fromArray(FLOATS, rows, o + LANES)));
                    nHi0.fma(minHi, dHi0
                            .mul(((FloatVector) hi.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).add(recentreHi))
                            .fma(dxHi, acc0)).intoArray(rows, o);
                    nHi1.fma(minHi, dHi1
                            .mul(((FloatVector) hi.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).add(recentreHi))
                            .fma(dxHi, acc1)).intoArray(rows, o + LANES);
                }
            }
        }
        System.arraycopy(rows, 0, out, o0, GROUP);
        System.arraycopy(rows, GROUP, out, o1, GROUP);
        System.arraycopy(rows, 2 * GROUP, out, o2, GROUP);
        System.arraycopy(rows, 3 * GROUP, out, o3, GROUP);
    }

    @Override
    void decodeGroup(long at, float[] dst) {
        for (int s = 0; s < supers; s++, at += SUPER_BYTES) {
            for (int part = 0; part < 2; part++) {
                ShortVector halves = ShortVector.fromMemorySegment(GROUP_SHORTS, data, at, ORDER);
                IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, part);
                FloatVector d = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
                halves = ShortVector.fromMemorySegment(GROUP_SHORTS, data, at + DMIN, ORDER);
                h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, part);
                FloatVector negativeMin = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(-HALF_EXPONENT_BIAS);
                for (int j = 0; j < SUBS; j++) {
                    FloatVector scale = d.mul((FloatVector) ByteVector.fromMemorySegment(GROUP_BYTES, data, at + scaleAt(j), ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, part).convert(VectorOperators.I2F, 0));
                    FloatVector min = negativeMin.mul((FloatVector) ByteVector.fromMemorySegment(GROUP_BYTES, data, at + minAt(j), ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, part).convert(VectorOperators.I2F, 0));
                    // Sub-block j's values are the low nibbles of run j / 2 if j is even, its high nibbles if odd.
                    int shift = 4 * (j % 2);
                    long run = at + quantsAt(j / 2);
                    for (int t = 0; t < BLOCK; t++) {
                        IntVector v = (IntVector) ByteVector.fromMemorySegment(GROUP_BYTES, data, run + (long) t * GROUP, ORDER)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, part);
                        ((FloatVector) v.lanewise(VectorOperators.LSHR, shift).and(0x0f).convert(VectorOperators.I2F, 0))
                                .fma(scale, min).intoArray(dst, (s * SUPER + j * BLOCK + t) * GROUP + part * LANES);
                    }
                }
            }
        }
    }

    @Override
    void row(long group, int lane, float[] dst, int offset) {
        for (int s = 0; s < supers; s++) {
            long at = group + (long) s * SUPER_BYTES;
            float d = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + (long) lane * Short.BYTES));
            float dmin = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + DMIN + (long) lane * Short.BYTES));
            for (int j = 0; j < SUBS; j++) {
                float scale = d * data.get(ValueLayout.JAVA_BYTE, at + scaleAt(j) + lane);
                float min = -dmin * data.get(ValueLayout.JAVA_BYTE, at + minAt(j) + lane);
                long run = at + quantsAt(j / 2) + lane;
                for (int t = 0; t < BLOCK; t++) {
                    int q = data.get(ValueLayout.JAVA_BYTE, run + (long) t * GROUP) >>> 4 * (j % 2) & 0x0f;
                    dst[offset + s * SUPER + j * BLOCK + t] = Math.fma((float) q, scale, min);
                }
            }
        }
    }
}
