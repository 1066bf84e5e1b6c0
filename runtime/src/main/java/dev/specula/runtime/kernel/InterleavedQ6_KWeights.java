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
import jdk.incubator.vector.VectorSpecies;

/**
 * Q6_K in {@link InterleavedWeights}' layout: per group and super-block of 256 values, the group's fp16 {@code d}
 * (one per row), its sixteen signed 8-bit sub-block scales (a byte per row each), then the two halves of 128
 * values, each as 32 steps {@code l} of three vectors: the group's low-nibble bytes {@code ql[l]} and
 * {@code ql[l + 32]} and its high-bit byte {@code qh[l]}, which together hold values {@code l}, {@code l + 32},
 * {@code l + 64} and {@code l + 96} of the half, as in ggml. The file's 210 bytes per row and super-block.
 *
 * <p>Value = {@code d * scale * (q - 32)}, {@code q} six bits, a scale per 16 values. A product {@code (q - 32) * x}
 * fits 13 bits, so eight of them fit 16: the sums are taken in 16 bits over eight steps, then widened and scaled
 * in float.
 */
final class InterleavedQ6_KWeights extends InterleavedWeights {

    /**
     * Whether this layout beats the in-place kernel here: its sixteen-step kernel holds about fourteen vectors, which
     * AVX-512's 32 registers take (5632x2048, two threads: 0.8 against 1.4 ns per 32 values in place, across a whole
     * model 27.8 against 57.6 ms) and 16 registers do not (AVX2: 3.7 against 2.9; 128-bit vectors: 6.1 against 4.8).
     */
    static final boolean FASTER = Species.LANES == 16;

    /** The group's fp16 {@code d}s as bytes: a full-width vector of them, read as shorts. */
    private static final VectorSpecies<Byte> D_BYTES = VectorSpecies.of(byte.class, GROUP_SHORTS.vectorShape());
    private static final int SOURCE_BYTES = 210;
    private static final int SOURCE_HIGH_BITS = 128;
    private static final int SOURCE_SCALES = 192;
    private static final int SOURCE_D = 208;
    private static final int SUBS = SUPER / 16;
    private static final int HALF_VALUES = SUPER / 2;
    private static final int STEPS = BLOCK;
    private static final int CHUNK = 8;
    private static final int SCALES = GROUP * Short.BYTES;
    private static final int HALVES = SCALES + SUBS * GROUP;
    private static final int STEP = 3 * GROUP;
    private static final int HALF_BYTES = STEPS * STEP;
    private static final int SUPER_BYTES = HALVES + 2 * HALF_BYTES;
    private static final short OFFSET = 32;

    /** Four activation rows' sums, for {@link #dot4}. */
    private static final ThreadScratch FOUR_ROWS = new ThreadScratch();

    private final int supers;

    /** Copies {@code tensor} (Q6_K, rows a multiple of {@link #GROUP}) into the interleaved layout, on the Java heap. */
    InterleavedQ6_KWeights(Tensor tensor) {
        super(tensor, GROUP, groupBytes(tensor), true);
        this.supers = cols / SUPER;
        interleave(supers, SOURCE_BYTES, SUPER_BYTES);
    }

    private static long groupBytes(Tensor tensor) {
        return (long) tensor.cols() / SUPER * SUPER_BYTES;
    }

    /**
     * Bytes the copy of {@code tensor} (rows a multiple of {@link #GROUP}, as {@link WeightsFactory} checks first)
     * takes, or 0 where the heap has no room for it.
     */
    static long copyBytes(Tensor tensor) {
        long bytes = bytes(tensor, GROUP, groupBytes(tensor));
        return heapHolds(bytes) ? bytes : 0;
    }

    @Override
    void copyUnit(MemorySegment source, long from, byte[] unit, int lane) {
        copyHalf(source, from + SOURCE_D, unit, lane * Short.BYTES);
        for (int j = 0; j < SUBS; j++) {
            unit[SCALES + j * GROUP + lane] = source.get(ValueLayout.JAVA_BYTE, from + SOURCE_SCALES + j);
        }
        for (int n = 0; n < 2; n++) {
            int half = HALVES + n * HALF_BYTES + lane;
            for (int l = 0; l < STEPS; l++) {
                unit[half + l * STEP] = source.get(ValueLayout.JAVA_BYTE, from + n * 64L + l);
                unit[half + l * STEP + GROUP] = source.get(ValueLayout.JAVA_BYTE, from + n * 64L + l + 32);
                unit[half + l * STEP + 2 * GROUP] = source.get(ValueLayout.JAVA_BYTE, from + SOURCE_HIGH_BITS + n * 32L + l);
            }
        }
    }

    /**
     * The group at byte {@code at} against activation row {@code row} of {@code a}, to {@code out[o .. o + GROUP)},
     * sixteen steps at a time (one sub-block of each of a half's four value runs), each adding to the sums kept
     * there: a method per sixteen steps keeps C2's compilation small, as Q4_K's per run.
     */
    @Override
    void dot(long at, Int8Activations a, int row, float[] out, int o) {
        FloatVector.zero(FLOATS).intoArray(out, o);
        FloatVector.zero(FLOATS).intoArray(out, o + LANES);
        for (int s = 0; s < supers; s++, at += SUPER_BYTES) {
            for (int n = 0; n < 2; n++) {
                for (int sub = 0; sub < 2; sub++) {
                    sixteen(at, n, sub, a, a.quantRow(row) + s * SUPER + n * HALF_VALUES + sub * 16,
                            a.blockRow(row) + s * (SUPER / BLOCK) + n * (HALF_VALUES / BLOCK), out, o);
                }
            }
        }
    }

    /**
     * Adds to {@code out[o .. o + GROUP)} steps {@code 16 * sub ..} of half {@code n} of the super-block at byte
     * {@code at}, against the activation quants from {@code a.quants()[k]} (run {@code r}'s at {@code k + 32 r}),
     * whose blocks' scales are at {@code a.scales()[j + r]}.
     */
    private void sixteen(long at, int n, int sub, Int8Activations a, int k, int j, float[] out, int o) {
        short[] q = a.quants();
        float[] xs = a.scales();
        ShortVector halves = ((ShortVector) ByteVector.fromArray(D_BYTES, heap, (int) at).reinterpretAsShorts());
        IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
        FloatVector d0 = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
        h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 1);
        FloatVector d1 = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
        // Run r's sub-block is 8n + sub + 2r; its scale times d times the activation block's scale, per row. The
        // scale bytes are converted in place: through a helper of ours returning the vector, it was boxed (3.8
        // against 1.5 ns per 32 values).
        long sc = at + SCALES + (long) (8 * n + sub) * GROUP;
        FloatVector f00 = d0.mul(((FloatVector) ByteVector.fromArray(BYTES, heap, (int) (sc)).convertShape(VectorOperators.B2I, INTS, 0).convert(VectorOperators.I2F, 0))).mul(xs[j]);
        FloatVector f01 = d1.mul(((FloatVector) ByteVector.fromArray(BYTES, heap, (int) (sc + LANES)).convertShape(VectorOperators.B2I, INTS, 0).convert(VectorOperators.I2F, 0))).mul(xs[j]);
        FloatVector f10 = d0.mul(((FloatVector) ByteVector.fromArray(BYTES, heap, (int) (sc + 2L * GROUP)).convertShape(VectorOperators.B2I, INTS, 0).convert(VectorOperators.I2F, 0))).mul(xs[j + 1]);
        FloatVector f11 = d1.mul(((FloatVector) ByteVector.fromArray(BYTES, heap, (int) (sc + 2L * GROUP + LANES)).convertShape(VectorOperators.B2I, INTS, 0).convert(VectorOperators.I2F, 0))).mul(xs[j + 1]);
        FloatVector f20 = d0.mul(((FloatVector) ByteVector.fromArray(BYTES, heap, (int) (sc + 4L * GROUP)).convertShape(VectorOperators.B2I, INTS, 0).convert(VectorOperators.I2F, 0))).mul(xs[j + 2]);
        FloatVector f21 = d1.mul(((FloatVector) ByteVector.fromArray(BYTES, heap, (int) (sc + 4L * GROUP + LANES)).convertShape(VectorOperators.B2I, INTS, 0).convert(VectorOperators.I2F, 0))).mul(xs[j + 2]);
        FloatVector f30 = d0.mul(((FloatVector) ByteVector.fromArray(BYTES, heap, (int) (sc + 6L * GROUP)).convertShape(VectorOperators.B2I, INTS, 0).convert(VectorOperators.I2F, 0))).mul(xs[j + 3]);
        FloatVector f31 = d1.mul(((FloatVector) ByteVector.fromArray(BYTES, heap, (int) (sc + 6L * GROUP + LANES)).convertShape(VectorOperators.B2I, INTS, 0).convert(VectorOperators.I2F, 0))).mul(xs[j + 3]);
        FloatVector acc0 = FloatVector.fromArray(FLOATS, out, o);
        FloatVector acc1 = FloatVector.fromArray(FLOATS, out, o + LANES);
        long steps = at + HALVES + (long) n * HALF_BYTES + (long) sub * 16 * STEP;
        for (int chunk = 0; chunk < 2; chunk++) {
            ShortVector s0 = ShortVector.zero(GROUP_SHORTS);
            ShortVector s1 = ShortVector.zero(GROUP_SHORTS);
            ShortVector s2 = ShortVector.zero(GROUP_SHORTS);
            ShortVector s3 = ShortVector.zero(GROUP_SHORTS);
            for (int t = 0; t < CHUNK; t++) {
                int l = chunk * CHUNK + t;
                long p = steps + (long) l * STEP;
                ShortVector lo = (ShortVector) ByteVector.fromArray(GROUP_BYTES, heap, (int) (p))
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, GROUP_SHORTS, 0);
                ShortVector hi = (ShortVector) ByteVector.fromArray(GROUP_BYTES, heap, (int) (p + GROUP))
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, GROUP_SHORTS, 0);
                ShortVector bits = (ShortVector) ByteVector.fromArray(GROUP_BYTES, heap, (int) (p + 2 * GROUP))
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, GROUP_SHORTS, 0);
                ShortVector v0 = lo.and((short) 0x0f).or(bits.lanewise(VectorOperators.LSHL, 4).and((short) 0x30)).sub(OFFSET);
                ShortVector v1 = hi.and((short) 0x0f).or(bits.lanewise(VectorOperators.LSHL, 2).and((short) 0x30)).sub(OFFSET);
                ShortVector v2 = lo.lanewise(VectorOperators.LSHR, 4).or(bits.and((short) 0x30)).sub(OFFSET);
                ShortVector v3 = hi.lanewise(VectorOperators.LSHR, 4).or(bits.lanewise(VectorOperators.LSHR, 2).and((short) 0x30))
                        .sub(OFFSET);
                s0 = s0.add(v0.mul(ShortVector.broadcast(GROUP_SHORTS, q[k + l])));
                s1 = s1.add(v1.mul(ShortVector.broadcast(GROUP_SHORTS, q[k + BLOCK + l])));
                s2 = s2.add(v2.mul(ShortVector.broadcast(GROUP_SHORTS, q[k + 2 * BLOCK + l])));
                s3 = s3.add(v3.mul(ShortVector.broadcast(GROUP_SHORTS, q[k + 3 * BLOCK + l])));
            }
            acc0 = ((FloatVector) s0.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(f00, acc0);
            acc1 = ((FloatVector) s0.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(f01, acc1);
            acc0 = ((FloatVector) s1.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(f10, acc0);
            acc1 = ((FloatVector) s1.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(f11, acc1);
            acc0 = ((FloatVector) s2.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(f20, acc0);
            acc1 = ((FloatVector) s2.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(f21, acc1);
            acc0 = ((FloatVector) s3.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(f30, acc0);
            acc1 = ((FloatVector) s3.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(f31, acc1);
        }
        acc0.intoArray(out, o);
        acc1.intoArray(out, o + LANES);
    }

    /**
     * As {@link #dot}, against activation rows 0, {@code b1}, {@code b2} and {@code b3}: each step's values are
     * unpacked once for all four. Its sixteen 16-bit sums and the rows' scales take the registers, so the float sums
     * are added in memory, a scratch array since with fewer than four members the outputs are the same entries.
     * 5632x2048, one thread: 2.84-2.90 against 3.16-3.21 ns per 32 values in L3, 3.33 against 3.8 streaming, where
     * two passes of two rows each unpacked every step twice.
     */
    @Override
    void dot4(long at, Int8Activations a, int b1, int b2, int b3, float[] out, int o0, int o1, int o2, int o3) {
        float[] rows = FOUR_ROWS.atLeast(4 * GROUP);
        Arrays.fill(rows, 0, 4 * GROUP, 0f);
        for (int s = 0; s < supers; s++, at += SUPER_BYTES) {
            for (int n = 0; n < 2; n++) {
                for (int sub = 0; sub < 2; sub++) {
                    int k = s * SUPER + n * HALF_VALUES + sub * 16;
                    int j = s * (SUPER / BLOCK) + n * (HALF_VALUES / BLOCK);
                    sixteenFour(at, n, sub, a, a.quantRow(0) + k, a.quantRow(b1) + k, a.quantRow(b2) + k,
                            a.quantRow(b3) + k, a.blockRow(0) + j, a.blockRow(b1) + j, a.blockRow(b2) + j,
                            a.blockRow(b3) + j, rows);
                }
            }
        }
        System.arraycopy(rows, 0, out, o0, GROUP);
        System.arraycopy(rows, GROUP, out, o1, GROUP);
        System.arraycopy(rows, 2 * GROUP, out, o2, GROUP);
        System.arraycopy(rows, 3 * GROUP, out, o3, GROUP);
    }

    /**
     * {@link #sixteen} for four activation rows, from quants {@code k0}, ... and block scales {@code j0}, ..., added
     * to {@code rows[r * GROUP ..]} for row {@code r}.
     */
    private void sixteenFour(long at, int n, int sub, Int8Activations a, int k0, int k1, int k2, int k3, int j0, int j1,
                             int j2, int j3, float[] rows) {
        short[] q = a.quants();
        float[] xs = a.scales();
        ShortVector halves = ((ShortVector) ByteVector.fromArray(D_BYTES, heap, (int) at).reinterpretAsShorts());
        IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
        FloatVector d0 = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
        h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 1);
        FloatVector d1 = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
        // d times run r's sub-block scale, per row; times an activation row's block scale where it is used, the
        // same products in the same order as the one-row kernel's.
        long sc = at + SCALES + (long) (8 * n + sub) * GROUP;
        FloatVector e00 = d0.mul((FloatVector) ByteVector.fromArray(BYTES, heap, (int) (sc)).convertShape(VectorOperators.B2I, INTS, 0).convert(VectorOperators.I2F, 0));
        FloatVector e01 = d1.mul((FloatVector) ByteVector.fromArray(BYTES, heap, (int) (sc + LANES)).convertShape(VectorOperators.B2I, INTS, 0).convert(VectorOperators.I2F, 0));
        FloatVector e10 = d0.mul((FloatVector) ByteVector.fromArray(BYTES, heap, (int) (sc + 2L * GROUP)).convertShape(VectorOperators.B2I, INTS, 0).convert(VectorOperators.I2F, 0));
        FloatVector e11 = d1.mul((FloatVector) ByteVector.fromArray(BYTES, heap, (int) (sc + 2L * GROUP + LANES)).convertShape(VectorOperators.B2I, INTS, 0).convert(VectorOperators.I2F, 0));
        FloatVector e20 = d0.mul((FloatVector) ByteVector.fromArray(BYTES, heap, (int) (sc + 4L * GROUP)).convertShape(VectorOperators.B2I, INTS, 0).convert(VectorOperators.I2F, 0));
        FloatVector e21 = d1.mul((FloatVector) ByteVector.fromArray(BYTES, heap, (int) (sc + 4L * GROUP + LANES)).convertShape(VectorOperators.B2I, INTS, 0).convert(VectorOperators.I2F, 0));
        FloatVector e30 = d0.mul((FloatVector) ByteVector.fromArray(BYTES, heap, (int) (sc + 6L * GROUP)).convertShape(VectorOperators.B2I, INTS, 0).convert(VectorOperators.I2F, 0));
        FloatVector e31 = d1.mul((FloatVector) ByteVector.fromArray(BYTES, heap, (int) (sc + 6L * GROUP + LANES)).convertShape(VectorOperators.B2I, INTS, 0).convert(VectorOperators.I2F, 0));
        long steps = at + HALVES + (long) n * HALF_BYTES + (long) sub * 16 * STEP;
        for (int chunk = 0; chunk < 2; chunk++) {
            ShortVector s00 = ShortVector.zero(GROUP_SHORTS);
            ShortVector s01 = ShortVector.zero(GROUP_SHORTS);
            ShortVector s02 = ShortVector.zero(GROUP_SHORTS);
            ShortVector s03 = ShortVector.zero(GROUP_SHORTS);
            ShortVector s10 = ShortVector.zero(GROUP_SHORTS);
            ShortVector s11 = ShortVector.zero(GROUP_SHORTS);
            ShortVector s12 = ShortVector.zero(GROUP_SHORTS);
            ShortVector s13 = ShortVector.zero(GROUP_SHORTS);
            ShortVector s20 = ShortVector.zero(GROUP_SHORTS);
            ShortVector s21 = ShortVector.zero(GROUP_SHORTS);
            ShortVector s22 = ShortVector.zero(GROUP_SHORTS);
            ShortVector s23 = ShortVector.zero(GROUP_SHORTS);
            ShortVector s30 = ShortVector.zero(GROUP_SHORTS);
            ShortVector s31 = ShortVector.zero(GROUP_SHORTS);
            ShortVector s32 = ShortVector.zero(GROUP_SHORTS);
            ShortVector s33 = ShortVector.zero(GROUP_SHORTS);
            for (int t = 0; t < CHUNK; t++) {
                int l = chunk * CHUNK + t;
                long p = steps + (long) l * STEP;
                ShortVector lo = (ShortVector) ByteVector.fromArray(GROUP_BYTES, heap, (int) (p))
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, GROUP_SHORTS, 0);
                ShortVector hi = (ShortVector) ByteVector.fromArray(GROUP_BYTES, heap, (int) (p + GROUP))
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, GROUP_SHORTS, 0);
                ShortVector bits = (ShortVector) ByteVector.fromArray(GROUP_BYTES, heap, (int) (p + 2 * GROUP))
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, GROUP_SHORTS, 0);
                ShortVector v = lo.and((short) 0x0f).or(bits.lanewise(VectorOperators.LSHL, 4).and((short) 0x30)).sub(OFFSET);
                s00 = s00.add(v.mul(ShortVector.broadcast(GROUP_SHORTS, q[k0 + l])));
                s10 = s10.add(v.mul(ShortVector.broadcast(GROUP_SHORTS, q[k1 + l])));
                s20 = s20.add(v.mul(ShortVector.broadcast(GROUP_SHORTS, q[k2 + l])));
                s30 = s30.add(v.mul(ShortVector.broadcast(GROUP_SHORTS, q[k3 + l])));
                v = hi.and((short) 0x0f).or(bits.lanewise(VectorOperators.LSHL, 2).and((short) 0x30)).sub(OFFSET);
                s01 = s01.add(v.mul(ShortVector.broadcast(GROUP_SHORTS, q[k0 + BLOCK + l])));
                s11 = s11.add(v.mul(ShortVector.broadcast(GROUP_SHORTS, q[k1 + BLOCK + l])));
                s21 = s21.add(v.mul(ShortVector.broadcast(GROUP_SHORTS, q[k2 + BLOCK + l])));
                s31 = s31.add(v.mul(ShortVector.broadcast(GROUP_SHORTS, q[k3 + BLOCK + l])));
                v = lo.lanewise(VectorOperators.LSHR, 4).or(bits.and((short) 0x30)).sub(OFFSET);
                s02 = s02.add(v.mul(ShortVector.broadcast(GROUP_SHORTS, q[k0 + 2 * BLOCK + l])));
                s12 = s12.add(v.mul(ShortVector.broadcast(GROUP_SHORTS, q[k1 + 2 * BLOCK + l])));
                s22 = s22.add(v.mul(ShortVector.broadcast(GROUP_SHORTS, q[k2 + 2 * BLOCK + l])));
                s32 = s32.add(v.mul(ShortVector.broadcast(GROUP_SHORTS, q[k3 + 2 * BLOCK + l])));
                v = hi.lanewise(VectorOperators.LSHR, 4).or(bits.lanewise(VectorOperators.LSHR, 2).and((short) 0x30)).sub(OFFSET);
                s03 = s03.add(v.mul(ShortVector.broadcast(GROUP_SHORTS, q[k0 + 3 * BLOCK + l])));
                s13 = s13.add(v.mul(ShortVector.broadcast(GROUP_SHORTS, q[k1 + 3 * BLOCK + l])));
                s23 = s23.add(v.mul(ShortVector.broadcast(GROUP_SHORTS, q[k2 + 3 * BLOCK + l])));
                s33 = s33.add(v.mul(ShortVector.broadcast(GROUP_SHORTS, q[k3 + 3 * BLOCK + l])));
            }
            // Each row's vectors are made and used within its own pass, its sums picked by index: written out per row,
            // the method was too large for C1 ("out of virtual registers"), and ran uncompiled, every vector allocated.
            for (int r = 0; r < 4; r++) {
                int j = r == 0 ? j0 : r == 1 ? j1 : r == 2 ? j2 : j3;
                int o = r * GROUP;
                FloatVector acc0 = FloatVector.fromArray(FLOATS, rows, o);
                FloatVector acc1 = FloatVector.fromArray(FLOATS, rows, o + LANES);
                ShortVector x0 = r == 0 ? s00 : r == 1 ? s10 : r == 2 ? s20 : s30;
                acc0 = ((FloatVector) x0.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(e00.mul(xs[j]), acc0);
                acc1 = ((FloatVector) x0.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(e01.mul(xs[j]), acc1);
                ShortVector x1 = r == 0 ? s01 : r == 1 ? s11 : r == 2 ? s21 : s31;
                acc0 = ((FloatVector) x1.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(e10.mul(xs[j + 1]), acc0);
                acc1 = ((FloatVector) x1.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(e11.mul(xs[j + 1]), acc1);
                ShortVector x2 = r == 0 ? s02 : r == 1 ? s12 : r == 2 ? s22 : s32;
                acc0 = ((FloatVector) x2.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(e20.mul(xs[j + 2]), acc0);
                acc1 = ((FloatVector) x2.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(e21.mul(xs[j + 2]), acc1);
                ShortVector x3 = r == 0 ? s03 : r == 1 ? s13 : r == 2 ? s23 : s33;
                acc0 = ((FloatVector) x3.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(e30.mul(xs[j + 3]), acc0);
                acc1 = ((FloatVector) x3.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(e31.mul(xs[j + 3]), acc1);
                acc0.intoArray(rows, o);
                acc1.intoArray(rows, o + LANES);
            }
        }
    }

    @Override
    void decodeGroup(long at, float[] dst) {
        for (int s = 0; s < supers; s++, at += SUPER_BYTES) {
            for (int part = 0; part < 2; part++) {
                ShortVector halves = ((ShortVector) ByteVector.fromArray(D_BYTES, heap, (int) at).reinterpretAsShorts());
                IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, part);
                FloatVector d = h.lanewise(VectorOperators.LSHL, 13).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
                for (int n = 0; n < 2; n++) {
                    for (int sub = 0; sub < 2; sub++) {
                        // Run r's scale for these sixteen steps, times d: the same product the in-place kernel takes.
                        long sc = at + SCALES + (long) (8 * n + sub) * GROUP + part * LANES;
                        FloatVector scale0 = d.mul((FloatVector) ByteVector.fromArray(BYTES, heap, (int) (sc))
                                .convertShape(VectorOperators.B2I, INTS, 0).convert(VectorOperators.I2F, 0));
                        FloatVector scale1 = d.mul((FloatVector) ByteVector.fromArray(BYTES, heap, (int) (sc + 2L * GROUP))
                                .convertShape(VectorOperators.B2I, INTS, 0).convert(VectorOperators.I2F, 0));
                        FloatVector scale2 = d.mul((FloatVector) ByteVector.fromArray(BYTES, heap, (int) (sc + 4L * GROUP))
                                .convertShape(VectorOperators.B2I, INTS, 0).convert(VectorOperators.I2F, 0));
                        FloatVector scale3 = d.mul((FloatVector) ByteVector.fromArray(BYTES, heap, (int) (sc + 6L * GROUP))
                                .convertShape(VectorOperators.B2I, INTS, 0).convert(VectorOperators.I2F, 0));
                        for (int l = 16 * sub; l < 16 * sub + 16; l++) {
                            long p = at + HALVES + (long) n * HALF_BYTES + (long) l * STEP;
                            IntVector lo = (IntVector) ByteVector.fromArray(GROUP_BYTES, heap, (int) (p))
                                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, part);
                            IntVector hi = (IntVector) ByteVector.fromArray(GROUP_BYTES, heap, (int) (p + GROUP))
                                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, part);
                            IntVector bits = (IntVector) ByteVector.fromArray(GROUP_BYTES, heap, (int) (p + 2 * GROUP))
                                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, part);
                            int k = (s * SUPER + n * HALF_VALUES + l) * GROUP + part * LANES;
                            ((FloatVector) lo.and(0x0f).or(bits.lanewise(VectorOperators.LSHL, 4).and(0x30)).sub(OFFSET)
                                    .convert(VectorOperators.I2F, 0)).mul(scale0).intoArray(dst, k);
                            ((FloatVector) hi.and(0x0f).or(bits.lanewise(VectorOperators.LSHL, 2).and(0x30)).sub(OFFSET)
                                    .convert(VectorOperators.I2F, 0)).mul(scale1).intoArray(dst, k + BLOCK * GROUP);
                            ((FloatVector) lo.lanewise(VectorOperators.LSHR, 4).or(bits.and(0x30)).sub(OFFSET)
                                    .convert(VectorOperators.I2F, 0)).mul(scale2).intoArray(dst, k + 2 * BLOCK * GROUP);
                            ((FloatVector) hi.lanewise(VectorOperators.LSHR, 4).or(bits.lanewise(VectorOperators.LSHR, 2).and(0x30))
                                    .sub(OFFSET).convert(VectorOperators.I2F, 0)).mul(scale3).intoArray(dst, k + 3 * BLOCK * GROUP);
                        }
                    }
                }
            }
        }
    }

    @Override
    void row(long group, int lane, float[] dst, int offset) {
        for (int s = 0; s < supers; s++) {
            int at = (int) group + s * SUPER_BYTES;
            int h = at + lane * Short.BYTES;
            float d = Float.float16ToFloat((short) (heap[h] & 0xff | heap[h + 1] << 8));
            for (int n = 0; n < 2; n++) {
                for (int l = 0; l < STEPS; l++) {
                    int p = at + HALVES + n * HALF_BYTES + l * STEP + lane;
                    int lo = heap[p] & 0xff;
                    int hi = heap[p + GROUP] & 0xff;
                    int bits = heap[p + 2 * GROUP] & 0xff;
                    for (int run = 0; run < 4; run++) {
                        int nibble = (run % 2 == 0 ? lo : hi) >>> 4 * (run / 2) & 0x0f;
                        int q = (nibble | (bits >>> 2 * run & 0x03) << 4) - OFFSET;
                        float scale = d * heap[at + SCALES + (8 * n + l / 16 + 2 * run) * GROUP + lane];
                        dst[offset + s * SUPER + n * HALF_VALUES + run * BLOCK + l] = q * scale;
                    }
                }
            }
        }
    }
}
