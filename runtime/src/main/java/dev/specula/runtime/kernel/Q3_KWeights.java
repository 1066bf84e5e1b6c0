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
 * ggml Q3_K, read in place: super-blocks of 256 values, each 32 bytes of high bits ({@code hmask}), 64 bytes of
 * low bit pairs ({@code qs}), twelve bytes packing sixteen 6-bit scales (one per 16 values) and an fp16
 * {@code d}; value = d * (scale - 32) * (q - 4) for the 3-bit q. Value {@code 128 n + 32 j + 16 h + l} (half
 * {@code n}, pair {@code j}, {@code h} and {@code l} below 2 and 16) takes bits {@code 2j} of {@code qs} byte
 * {@code 32 n + 16 h + l}, bit {@code 4 n + j} of {@code hmask} byte {@code 16 h + l}, and scale {@code 8 n + 2 j + h}.
 */
final class Q3_KWeights extends SuperBlockWeights {

    private static final int BLOCK_BYTES = 110;
    private static final int QUANTS = 32;
    private static final int SCALES = 96;
    private static final int D = 108;
    private static final int HALF = 128;
    private static final int GROUP = 16;
    private static final int PAIRS = 4;
    private static final float BIAS = QuantBlocks.TWO_POW_23 + 4;

    Q3_KWeights(Tensor tensor) {
        super(tensor);
    }

    /**
     * Scales 0-7 (or, with {@code shift} 4, 8-15) of a super-block, one per byte, from its scale bytes read as the
     * little-endian ints {@code a}, {@code b}, {@code c}: low nibbles in {@code a} and {@code b} (high nibbles
     * for 8-15), top bit pairs in {@code c} (ggml's {@code kmask} unpacking).
     */
    private static long scales(int a, int b, int c, int shift) {
        long low = a >>> shift & 0x0f0f0f0fL | (c >>> shift & 0x03030303L) << 4;
        long high = b >>> shift & 0x0f0f0f0fL | (c >>> shift + 2 & 0x03030303L) << 4;
        return low | high << 32;
    }

    /** Byte {@code g} of {@code scales} minus 32: the signed scale of one group of 16. */
    private static int scale(long scales, int g) {
        return (int) (scales >>> 8 * g & 0xff) - 32;
    }

    /** Values {@code q - 4}: the bit pair of {@code qs} at {@code pair} under the bit of {@code hmask} at {@code bit}. */
    private static FloatVector values(IntVector qs, int pair, IntVector hmask, int bit) {
        return QuantBlocks.minus(qs.lanewise(VectorOperators.LSHR, 2 * pair).and(3)
                .or(hmask.lanewise(VectorOperators.LSHR, bit).and(1).lanewise(VectorOperators.LSHL, 2)), BIAS);
    }

    @Override
    float dot(long rowOffset, float[] x, int xOffset) {
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        int supers = cols / SUPER;
        for (int s = 0; s < supers; s++) {
            long at = rowOffset + (long) s * BLOCK_BYTES;
            float d = half(at + D);
            int a = data.get(INT, at + SCALES);
            int b = data.get(INT, at + SCALES + 4);
            int c = data.get(INT, at + SCALES + 8);
            for (int n = 0; n < SUPER / HALF; n++) {
                long scales = scales(a, b, c, 4 * n);
                for (int h = 0; h < 2; h++) {
                    for (int i = 0; i < GROUP; i += BYTES.length()) {
                        for (int p = 0; p < BYTE_PARTS; p++) {
                            IntVector q = QuantBlocks.widen(QuantBlocks.packed(data, at + QUANTS + 32L * n + GROUP * h + i + p * LANES), 0);
                            IntVector m = QuantBlocks.widen(QuantBlocks.packed(data, at + GROUP * h + i + p * LANES), 0);
                            int xi = xOffset + s * SUPER + n * HALF + GROUP * h + i + p * LANES;
                            for (int j = 0; j < PAIRS; j += 2) {
                                acc0 = values(q, j, m, 4 * n + j).mul(d * scale(scales, 2 * j + h))
                                        .fma(FloatVector.fromArray(FLOATS, x, xi + 32 * j), acc0);
                                acc1 = values(q, j + 1, m, 4 * n + j + 1).mul(d * scale(scales, 2 * j + 2 + h))
                                        .fma(FloatVector.fromArray(FLOATS, x, xi + 32 * j + 32), acc1);
                            }
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
            int a = data.get(INT, at + SCALES);
            int b = data.get(INT, at + SCALES + 4);
            int c = data.get(INT, at + SCALES + 8);
            for (int n = 0; n < SUPER / HALF; n++) {
                long scales = scales(a, b, c, 4 * n);
                for (int h = 0; h < 2; h++) {
                    for (int i = 0; i < GROUP; i += BYTES.length()) {
                        for (int p = 0; p < BYTE_PARTS; p++) {
                            IntVector q = QuantBlocks.widen(QuantBlocks.packed(data, at + QUANTS + 32L * n + GROUP * h + i + p * LANES), 0);
                            IntVector m = QuantBlocks.widen(QuantBlocks.packed(data, at + GROUP * h + i + p * LANES), 0);
                            for (int j = 0; j < PAIRS; j++) {
                                FloatVector w = values(q, j, m, 4 * n + j).mul(d * scale(scales, 2 * j + h));
                                int k = s * SUPER + n * HALF + 32 * j + GROUP * h + i + p * LANES;
                                acc0 = w.fma(FloatVector.fromArray(FLOATS, x, x0 + k), acc0);
                                acc1 = w.fma(FloatVector.fromArray(FLOATS, x, x1 + k), acc1);
                                acc2 = w.fma(FloatVector.fromArray(FLOATS, x, x2 + k), acc2);
                                acc3 = w.fma(FloatVector.fromArray(FLOATS, x, x3 + k), acc3);
                            }
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
            int a = data.get(INT, at + SCALES);
            int b = data.get(INT, at + SCALES + 4);
            int c = data.get(INT, at + SCALES + 8);
            for (int n = 0; n < SUPER / HALF; n++) {
                long scales = scales(a, b, c, 4 * n);
                for (int h = 0; h < 2; h++) {
                    for (int i = 0; i < GROUP; i += BYTES.length()) {
                        for (int p = 0; p < BYTE_PARTS; p++) {
                            IntVector q = QuantBlocks.widen(QuantBlocks.packed(data, at + QUANTS + 32L * n + GROUP * h + i + p * LANES), 0);
                            IntVector m = QuantBlocks.widen(QuantBlocks.packed(data, at + GROUP * h + i + p * LANES), 0);
                            for (int j = 0; j < PAIRS; j++) {
                                int k = offset + s * SUPER + n * HALF + 32 * j + GROUP * h + i + p * LANES;
                                values(q, j, m, 4 * n + j).mul(d * scale(scales, 2 * j + h)).intoArray(dst, k);
                            }
                        }
                    }
                }
            }
        }
    }
}
