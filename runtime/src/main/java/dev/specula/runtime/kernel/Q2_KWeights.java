package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.Species.BYTES;
import static dev.specula.runtime.kernel.Species.BYTE_PARTS;
import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.LANES;

import dev.specula.runtime.tensor.Tensor;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q2_K, read in place: super-blocks of 256 values, each sixteen bytes of 4-bit scales and 4-bit mins (one
 * pair per 16 values), 64 bytes of bit pairs ({@code qs}), an fp16 {@code d} and an fp16 {@code dmin}; value =
 * d * scale * q - dmin * min. Value {@code 128 n + 32 j + 16 h + l} (half {@code n}, pair {@code j}, {@code h}
 * and {@code l} below 2 and 16) takes bits {@code 2j} of {@code qs} byte {@code 32 n + 16 h + l} and the scale
 * byte {@code 8 n + 2 j + h}, as Q3_K's low bits do.
 */
final class Q2_KWeights extends SuperBlockWeights {

    private static final int BLOCK_BYTES = 84;
    private static final int QUANTS = 16;
    private static final int D = 80;
    private static final int HALF = 128;
    private static final int GROUP = 16;
    private static final int PAIRS = 4;

    Q2_KWeights(Tensor tensor) {
        super(tensor);
    }

    /** The bit pairs of {@code qs} at {@code pair} as floats 0..3. */
    private static FloatVector values(IntVector qs, int pair) {
        return (FloatVector) qs.lanewise(VectorOperators.LSHR, 2 * pair).and(3).convert(VectorOperators.I2F, 0);
    }

    /** The step {@code d * scale} of group {@code g}, from its scale byte in {@code scales}. */
    private static float step(float d, long scales, int g) {
        return d * (scales >>> 8 * g & 0x0f);
    }

    /** The offset {@code -dmin * min} of group {@code g}, from its scale byte in {@code scales}. */
    private static float offset(float dmin, long scales, int g) {
        return -dmin * (scales >>> 8 * g + 4 & 0x0f);
    }

    @Override
    float dot(long rowOffset, float[] x, int xOffset) {
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        int supers = cols / SUPER;
        for (int s = 0; s < supers; s++) {
            long at = rowOffset + (long) s * BLOCK_BYTES;
            float d = half(at + D);
            float dmin = half(at + D + 2);
            for (int n = 0; n < SUPER / HALF; n++) {
                long scales = data.get(LONG, at + 8L * n);
                for (int h = 0; h < 2; h++) {
                    for (int i = 0; i < GROUP; i += BYTES.length()) {
                        ByteVector qs = QuantBlocks.packed(data, at + QUANTS + 32L * n + GROUP * h + i);
                        for (int p = 0; p < BYTE_PARTS; p++) {
                            IntVector q = QuantBlocks.widen(qs, p);
                            int xi = xOffset + s * SUPER + n * HALF + GROUP * h + i + p * LANES;
                            for (int j = 0; j < PAIRS; j += 2) {
                                int g = 2 * j + h;
                                acc0 = values(q, j).fma(step(d, scales, g), offset(dmin, scales, g))
                                        .fma(FloatVector.fromArray(FLOATS, x, xi + 32 * j), acc0);
                                acc1 = values(q, j + 1).fma(step(d, scales, g + 2), offset(dmin, scales, g + 2))
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
            float dmin = half(at + D + 2);
            for (int n = 0; n < SUPER / HALF; n++) {
                long scales = data.get(LONG, at + 8L * n);
                for (int h = 0; h < 2; h++) {
                    for (int i = 0; i < GROUP; i += BYTES.length()) {
                        ByteVector qs = QuantBlocks.packed(data, at + QUANTS + 32L * n + GROUP * h + i);
                        for (int p = 0; p < BYTE_PARTS; p++) {
                            IntVector q = QuantBlocks.widen(qs, p);
                            for (int j = 0; j < PAIRS; j++) {
                                int g = 2 * j + h;
                                FloatVector w = values(q, j).fma(step(d, scales, g), offset(dmin, scales, g));
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
            float dmin = half(at + D + 2);
            for (int n = 0; n < SUPER / HALF; n++) {
                long scales = data.get(LONG, at + 8L * n);
                for (int h = 0; h < 2; h++) {
                    for (int i = 0; i < GROUP; i += BYTES.length()) {
                        ByteVector qs = QuantBlocks.packed(data, at + QUANTS + 32L * n + GROUP * h + i);
                        for (int p = 0; p < BYTE_PARTS; p++) {
                            IntVector q = QuantBlocks.widen(qs, p);
                            for (int j = 0; j < PAIRS; j++) {
                                int k = offset + s * SUPER + n * HALF + 32 * j + GROUP * h + i + p * LANES;
                                int g = 2 * j + h;
                                values(q, j).fma(step(d, scales, g), offset(dmin, scales, g)).intoArray(dst, k);
                            }
                        }
                    }
                }
            }
        }
    }
}
