package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.Species.BYTES;
import static dev.specula.runtime.kernel.Species.BYTE_PARTS;
import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.INTS;
import static dev.specula.runtime.kernel.Species.LANES;

import java.nio.ByteOrder;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The arithmetic on one block of 32 quantized values: callers say where the block's quants are
 * and pass its scale {@code d} decoded, so the kernels do not depend on how blocks are laid out.
 * Within a block the integer products are summed unscaled and {@code d} applied once, so a value
 * costs a widen and an FMA.
 */
final class QuantBlocks {

    static final int BLOCK = 32;
    static final int HALF = BLOCK / 2;
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    /** The bits of the float 2^23, whose mantissa's low bits then hold an integer exactly. */
    private static final int TWO_POW_23_BITS = 0x4B00_0000;
    static final float TWO_POW_23 = 0x1p23f;
    private static final float NIBBLE_BIAS = TWO_POW_23 + 8;

    private static final ByteVector IQ4_VALUES = ByteVector.fromArray(ByteVector.SPECIES_128,
            new byte[]{-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113}, 0);

    /** Bit {@code i} alone, for value {@code i}'s fifth bit in a Q5_0/Q5_1 block's {@code qh}. */
    private static final int[] BITS = new int[BLOCK];
    /** What bit {@code i} alone, as a float, is multiplied by to become 16 (bit 31's sign included). */
    private static final float[] TO_SIXTEEN = new float[BLOCK];

    static {
        for (int i = 0; i < BLOCK; i++) {
            BITS[i] = 1 << i;
            TO_SIXTEEN[i] = 16f / (1 << i);
        }
    }

    private QuantBlocks() {
    }

    /** {@code acc + d * sum q[i] * x[xi + i]} lane-wise, for the 32 int8 {@code q} at {@code at}. */
    static FloatVector q8Dot(MemorySegment data, long at, float d, float[] x, int xi, FloatVector acc) {
        FloatVector sum = FloatVector.zero(FLOATS);
        for (int j = 0; j < BLOCK; j += BYTES.length()) {
            ByteVector q = ByteVector.fromMemorySegment(BYTES, data, at + j, ORDER);
            for (int p = 0; p < BYTE_PARTS; p++) {
                FloatVector w = (FloatVector) q.convertShape(VectorOperators.B2F, FLOATS, p);
                sum = w.fma(FloatVector.fromArray(FLOATS, x, xi + j + p * LANES), sum);
            }
        }
        return sum.fma(FloatVector.broadcast(FLOATS, d), acc);
    }

    static void q8Decode(MemorySegment data, long at, float d, float[] dst, int offset) {
        FloatVector dv = FloatVector.broadcast(FLOATS, d);
        for (int j = 0; j < BLOCK; j += BYTES.length()) {
            ByteVector q = ByteVector.fromMemorySegment(BYTES, data, at + j, ORDER);
            for (int p = 0; p < BYTE_PARTS; p++) {
                ((FloatVector) q.convertShape(VectorOperators.B2F, FLOATS, p)).mul(dv).intoArray(dst, offset + j + p * LANES);
            }
        }
    }

    /** As {@link #q8Dot} for 16 bytes of nibbles at {@code at}: low nibbles are values 0..15, high 16..31, value q - 8. */
    static FloatVector q4Dot(MemorySegment data, long at, float d, float[] x, int xi, FloatVector acc) {
        FloatVector sum = FloatVector.zero(FLOATS);
        for (int j = 0; j < HALF; j += BYTES.length()) {
            ByteVector packed = packed(data, at + j);
            for (int p = 0; p < BYTE_PARTS; p++) {
                IntVector wide = widen(packed, p);
                int xj = xi + j + p * LANES;
                sum = low(wide).fma(FloatVector.fromArray(FLOATS, x, xj), sum);
                sum = high(wide).fma(FloatVector.fromArray(FLOATS, x, xj + HALF), sum);
            }
        }
        return sum.fma(FloatVector.broadcast(FLOATS, d), acc);
    }

    static void q4Decode(MemorySegment data, long at, float d, float[] dst, int offset) {
        FloatVector dv = FloatVector.broadcast(FLOATS, d);
        for (int j = 0; j < HALF; j += BYTES.length()) {
            ByteVector packed = packed(data, at + j);
            for (int p = 0; p < BYTE_PARTS; p++) {
                IntVector wide = widen(packed, p);
                int k = offset + j + p * LANES;
                low(wide).mul(dv).intoArray(dst, k);
                high(wide).mul(dv).intoArray(dst, k + HALF);
            }
        }
    }

    /**
     * Values {@code [p * LANES, (p + 1) * LANES)} of the Q8_0 quants at {@code at}, unscaled: for kernels
     * that reuse one decoded block for several activation rows.
     */
    static FloatVector q8Part(MemorySegment data, long at, int p) {
        int j = p * LANES;
        int loaded = j - j % BYTES.length();
        ByteVector q = ByteVector.fromMemorySegment(BYTES, data, at + loaded, ORDER);
        return (FloatVector) q.convertShape(VectorOperators.B2F, FLOATS, (j - loaded) / LANES);
    }

    /** {@code BYTES.length()} bytes of Q4_0 nibbles at {@code at}, for {@link #widen}. */
    static ByteVector packed(MemorySegment data, long at) {
        return ByteVector.fromMemorySegment(BYTES, data, at, ORDER);
    }

    /** Bytes {@code [p * LANES, (p + 1) * LANES)} of {@code packed}, zero-extended, for {@link #low} and {@link #high}. */
    static IntVector widen(ByteVector packed, int p) {
        return (IntVector) packed.convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, p);
    }

    /**
     * Low nibbles as floats -8..7. The nibble becomes the low mantissa bits of 2^23, from which 2^23 + 8 is
     * subtracted: exact, and cheaper than recentring bytes and converting them (the one-row product took
     * 1.29-1.38 against 1.48 ns per block, AVX-512, in cache).
     */
    static FloatVector low(IntVector wide) {
        return wide.and(0x0f).or(TWO_POW_23_BITS).reinterpretAsFloats().sub(NIBBLE_BIAS);
    }

    /** High nibbles as floats -8..7, as {@link #low}. */
    static FloatVector high(IntVector wide) {
        return wide.lanewise(VectorOperators.LSHR, 4).or(TWO_POW_23_BITS).reinterpretAsFloats().sub(NIBBLE_BIAS);
    }

    /** Low nibbles as floats 0..15 (Q4_K's, which an offset rather than a bias recentres), as {@link #low}. */
    static FloatVector unsignedLow(IntVector wide) {
        return (FloatVector) wide.and(0x0f).convert(VectorOperators.I2F, 0);
    }

    /** High nibbles as floats 0..15, as {@link #unsignedLow}. */
    static FloatVector unsignedHigh(IntVector wide) {
        return (FloatVector) wide.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0);
    }

    /** The 16 bytes at {@code at}, however wide the float vectors are: IQ4's nibbles index a table of 16. */
    static ByteVector sixteen(MemorySegment data, long at) {
        return ByteVector.fromMemorySegment(ByteVector.SPECIES_128, data, at, ORDER);
    }

    /**
     * llama.cpp's IQ4_NL/IQ4_XS values ({@code kvalues_iq4nl}) of 16 nibbles: one byte shuffle (pshufb), where a
     * table of floats would need one to four float permutes, depending on the vector width.
     */
    static ByteVector nonLinear(ByteVector nibbles) {
        return IQ4_VALUES.rearrange(nibbles.toShuffle());
    }

    /**
     * {@code values} plus 16 in the lanes whose value's bit of {@code qh} is set (Q5_0's and Q5_1's fifth bits:
     * bit {@code l + lane} for the lane of value {@code l + lane}). Each lane masks its own bit and scales it to 16
     * as a float: per-lane shift counts (vpsrlvd) were not compiled as intrinsics on 128-bit vectors, and their
     * fallback allocated on every call (Q5_0 decode 1377 against 6.7 ns per block there).
     */
    static FloatVector withFifthBits(FloatVector values, IntVector qh, int l) {
        FloatVector fifth = (FloatVector) qh.and(IntVector.fromArray(INTS, BITS, l)).convert(VectorOperators.I2F, 0);
        return fifth.fma(FloatVector.fromArray(FLOATS, TO_SIXTEEN, l), values);
    }

    /** Lanes of small non-negative integers {@code q} (below 2^23) as the floats {@code q + 2^23 - bias}. */
    static FloatVector minus(IntVector q, float bias) {
        return q.or(TWO_POW_23_BITS).reinterpretAsFloats().sub(bias);
    }
}
