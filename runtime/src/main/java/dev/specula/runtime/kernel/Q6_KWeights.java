package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.Species.BYTES;
import static dev.specula.runtime.kernel.Species.BYTE_PARTS;
import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.LANES;

import dev.specula.runtime.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q6_K, read in place: super-blocks of 256 values, each 128 bytes of low nibbles ({@code ql}), 64 bytes
 * of high bit pairs ({@code qh}), sixteen int8 scales (one per 16 values) and an fp16 {@code d}; value =
 * d * scale * (q - 32). Each half of 128 values reads 64 {@code ql} and 32 {@code qh} bytes: byte {@code l}
 * of {@code ql} holds values {@code l} and {@code l + 64} in its low and high nibble, byte {@code l + 32}
 * values {@code l + 32} and {@code l + 96}, and {@code qh}'s byte {@code l} the top two bits of all four.
 */
final class Q6_KWeights extends SuperBlockWeights {

    private static final int BLOCK_BYTES = 210;
    private static final int HIGH_BITS = 128;
    private static final int SCALES = 192;
    private static final int D = 208;
    private static final int HALF = 128;
    private static final int QUARTER = 32;
    private static final int GROUP = 16;
    private static final float BIAS = QuantBlocks.TWO_POW_23 + 32;

    Q6_KWeights(Tensor tensor) {
        super(tensor);
    }

    /** Byte {@code g} (0-7) of {@code scales}, signed: the scale of one group of 16 values. */
    private static int scale(long scales, int g) {
        return (byte) (scales >>> 8 * g);
    }

    /**
     * Values {@code q - 32} of one quarter: the nibble of {@code ql}'s bytes at {@code nibbleShift} (0 or 4) under
     * {@code qh}'s bit pair at {@code pairShift}. One helper for all four quarters, called in a loop over the two
     * runs of {@code ql}, keeps each kernel small enough for C2 to inline all of it: four call sites of their own
     * took Q6_K's product past the inlining node limit, and the calls left out of line boxed vectors (17x slower).
     */
    private static FloatVector values(IntVector ql, int nibbleShift, IntVector qh, int pairShift) {
        return QuantBlocks.minus(ql.lanewise(VectorOperators.LSHR, nibbleShift).and(0x0f)
                .or(qh.lanewise(VectorOperators.LSHR, pairShift).and(3).lanewise(VectorOperators.LSHL, 4)), BIAS);
    }

    @Override
    float dot(long rowOffset, float[] x, int xOffset) {
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        int supers = cols / SUPER;
        for (int s = 0; s < supers; s++) {
            long at = rowOffset + (long) s * BLOCK_BYTES;
            float d = half(at + D);
            for (int n = 0; n < SUPER / HALF; n++) {
                long ql = at + (long) n * (HALF / 2);
                long qh = at + HIGH_BITS + (long) n * QUARTER;
                long scales = data.get(LONG, at + SCALES + 8L * n);
                int k = xOffset + s * SUPER + n * HALF;
                for (int j = 0; j < QUARTER; j += BYTES.length()) {
                    for (int p = 0; p < BYTE_PARTS; p++) {
                        IntVector hv = QuantBlocks.widen(QuantBlocks.packed(data, qh + j + p * LANES), 0);
                        int l = j + p * LANES;
                        int g = l / GROUP;
                        for (int t = 0; t < 2; t++) {
                            IntVector run = QuantBlocks.widen(QuantBlocks.packed(data, ql + t * QUARTER + j + p * LANES), 0);
                            int xi = k + l + t * QUARTER;
                            acc0 = values(run, 0, hv, 2 * t).mul(d * scale(scales, g + 2 * t))
                                    .fma(FloatVector.fromArray(FLOATS, x, xi), acc0);
                            acc1 = values(run, 4, hv, 2 * t + 4).mul(d * scale(scales, g + 2 * t + 4))
                                    .fma(FloatVector.fromArray(FLOATS, x, xi + 2 * QUARTER), acc1);
                        }
                    }
                }
            }
        }
        int sums = sums(xOffset);
        acc0.add(acc1).intoArray(x, sums);
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
            float d = half(at + D);
            for (int n = 0; n < SUPER / HALF; n++) {
                long ql = at + (long) n * (HALF / 2);
                long qh = at + HIGH_BITS + (long) n * QUARTER;
                long scales = data.get(LONG, at + SCALES + 8L * n);
                for (int j = 0; j < QUARTER; j += BYTES.length()) {
                    for (int p = 0; p < BYTE_PARTS; p++) {
                        IntVector hv = QuantBlocks.widen(QuantBlocks.packed(data, qh + j + p * LANES), 0);
                        int l = j + p * LANES;
                        int g = l / GROUP;
                        for (int t = 0; t < 2; t++) {
                            IntVector run = QuantBlocks.widen(QuantBlocks.packed(data, ql + t * QUARTER + j + p * LANES), 0);
                            FloatVector w = values(run, 0, hv, 2 * t).mul(d * scale(scales, g + 2 * t));
                            FloatVector v = values(run, 4, hv, 2 * t + 4).mul(d * scale(scales, g + 2 * t + 4));
                            int k = s * SUPER + n * HALF + l + t * QUARTER;
                            int u = k + 2 * QUARTER;
                            acc0 = v.fma(FloatVector.fromArray(FLOATS, x, x0 + u), w.fma(FloatVector.fromArray(FLOATS, x, x0 + k), acc0));
                            acc1 = v.fma(FloatVector.fromArray(FLOATS, x, x1 + u), w.fma(FloatVector.fromArray(FLOATS, x, x1 + k), acc1));
                            acc2 = v.fma(FloatVector.fromArray(FLOATS, x, x2 + u), w.fma(FloatVector.fromArray(FLOATS, x, x2 + k), acc2));
                            acc3 = v.fma(FloatVector.fromArray(FLOATS, x, x3 + u), w.fma(FloatVector.fromArray(FLOATS, x, x3 + k), acc3));
                        }
                    }
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
            float d = half(at + D);
            for (int n = 0; n < SUPER / HALF; n++) {
                long ql = at + (long) n * (HALF / 2);
                long qh = at + HIGH_BITS + (long) n * QUARTER;
                long scales = data.get(LONG, at + SCALES + 8L * n);
                int k = offset + s * SUPER + n * HALF;
                for (int j = 0; j < QUARTER; j += BYTES.length()) {
                    for (int p = 0; p < BYTE_PARTS; p++) {
                        IntVector hv = QuantBlocks.widen(QuantBlocks.packed(data, qh + j + p * LANES), 0);
                        int l = j + p * LANES;
                        int g = l / GROUP;
                        for (int t = 0; t < 2; t++) {
                            IntVector run = QuantBlocks.widen(QuantBlocks.packed(data, ql + t * QUARTER + j + p * LANES), 0);
                            int to = k + l + t * QUARTER;
                            values(run, 0, hv, 2 * t).mul(d * scale(scales, g + 2 * t)).intoArray(dst, to);
                            values(run, 4, hv, 2 * t + 4).mul(d * scale(scales, g + 2 * t + 4))
                                    .intoArray(dst, to + 2 * QUARTER);
                        }
                    }
                }
            }
        }
    }
}
