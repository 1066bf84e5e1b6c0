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
 * ggml Q5_K, read in place: as {@link Q4_KWeights}, with 32 bytes of fifth bits ({@code qh}) between the scales
 * and the nibbles: byte {@code l} of {@code qh} holds the fifth bit of value {@code l} of every sub-block, bit
 * {@code j} for sub-block {@code j}; value = d * scale * q - dmin * min for q in 0..31.
 */
final class Q5_KWeights extends SuperBlockWeights {

    private static final int BLOCK_BYTES = 176;
    private static final int SCALES = 4;
    private static final int HIGH_BITS = 16;
    private static final int QUANTS = 48;
    private static final int RUN = 64;
    private static final int RUN_BYTES = RUN / 2;
    private static final int RUNS = SUPER / RUN;

    Q5_KWeights(Tensor tensor) {
        super(tensor);
    }

    /** Values 0..31: {@code nibbles} (0..15) under bit {@code bit} of {@code qh}. */
    private static FloatVector fiveBits(IntVector nibbles, IntVector qh, int bit) {
        return (FloatVector) nibbles.or(qh.lanewise(VectorOperators.LSHR, bit).and(1).lanewise(VectorOperators.LSHL, 4))
                .convert(VectorOperators.I2F, 0);
    }

    @Override
    float dot(long rowOffset, float[] x, int xOffset) {
        FloatVector lo = FloatVector.zero(FLOATS);
        FloatVector hi = FloatVector.zero(FLOATS);
        int supers = cols / SUPER;
        for (int s = 0; s < supers; s++) {
            long at = rowOffset + (long) s * BLOCK_BYTES;
            float d = half(at);
            float dmin = half(at + 2);
            int sa = data.get(INT, at + SCALES);
            int sc = data.get(INT, at + SCALES + 8);
            long scales = scales(sa, sc);
            long mins = mins(data.get(INT, at + SCALES + 4), sc);
            for (int c = 0; c < RUNS; c++) {
                FloatVector d0 = FloatVector.broadcast(FLOATS, d * at(scales, 2 * c));
                FloatVector d1 = FloatVector.broadcast(FLOATS, d * at(scales, 2 * c + 1));
                FloatVector m0 = FloatVector.broadcast(FLOATS, -dmin * at(mins, 2 * c));
                FloatVector m1 = FloatVector.broadcast(FLOATS, -dmin * at(mins, 2 * c + 1));
                long q = at + QUANTS + (long) c * RUN_BYTES;
                int k = xOffset + s * SUPER + c * RUN;
                for (int j = 0; j < RUN_BYTES; j += BYTES.length()) {
                    ByteVector packed = QuantBlocks.packed(data, q + j);
                    for (int p = 0; p < BYTE_PARTS; p++) {
                        IntVector wide = QuantBlocks.widen(packed, p);
                        IntVector qh = QuantBlocks.widen(QuantBlocks.packed(data, at + HIGH_BITS + j + p * LANES), 0);
                        int xi = k + j + p * LANES;
                        lo = fiveBits(wide.and(0x0f), qh, 2 * c).fma(d0, m0).fma(FloatVector.fromArray(FLOATS, x, xi), lo);
                        hi = fiveBits(wide.lanewise(VectorOperators.LSHR, 4), qh, 2 * c + 1).fma(d1, m1)
                                .fma(FloatVector.fromArray(FLOATS, x, xi + RUN_BYTES), hi);
                    }
                }
            }
        }
        int sums = sums(xOffset);
        lo.add(hi).intoArray(x, sums);
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
            float d = half(at);
            float dmin = half(at + 2);
            int sa = data.get(INT, at + SCALES);
            int sc = data.get(INT, at + SCALES + 8);
            long scales = scales(sa, sc);
            long mins = mins(data.get(INT, at + SCALES + 4), sc);
            for (int c = 0; c < RUNS; c++) {
                FloatVector d0 = FloatVector.broadcast(FLOATS, d * at(scales, 2 * c));
                FloatVector d1 = FloatVector.broadcast(FLOATS, d * at(scales, 2 * c + 1));
                FloatVector m0 = FloatVector.broadcast(FLOATS, -dmin * at(mins, 2 * c));
                FloatVector m1 = FloatVector.broadcast(FLOATS, -dmin * at(mins, 2 * c + 1));
                long q = at + QUANTS + (long) c * RUN_BYTES;
                for (int j = 0; j < RUN_BYTES; j += BYTES.length()) {
                    ByteVector packed = QuantBlocks.packed(data, q + j);
                    for (int p = 0; p < BYTE_PARTS; p++) {
                        IntVector wide = QuantBlocks.widen(packed, p);
                        IntVector qh = QuantBlocks.widen(QuantBlocks.packed(data, at + HIGH_BITS + j + p * LANES), 0);
                        FloatVector w = fiveBits(wide.and(0x0f), qh, 2 * c).fma(d0, m0);
                        FloatVector v = fiveBits(wide.lanewise(VectorOperators.LSHR, 4), qh, 2 * c + 1).fma(d1, m1);
                        int k = s * SUPER + c * RUN + j + p * LANES;
                        int h = k + RUN_BYTES;
                        acc0 = v.fma(FloatVector.fromArray(FLOATS, x, x0 + h), w.fma(FloatVector.fromArray(FLOATS, x, x0 + k), acc0));
                        acc1 = v.fma(FloatVector.fromArray(FLOATS, x, x1 + h), w.fma(FloatVector.fromArray(FLOATS, x, x1 + k), acc1));
                        acc2 = v.fma(FloatVector.fromArray(FLOATS, x, x2 + h), w.fma(FloatVector.fromArray(FLOATS, x, x2 + k), acc2));
                        acc3 = v.fma(FloatVector.fromArray(FLOATS, x, x3 + h), w.fma(FloatVector.fromArray(FLOATS, x, x3 + k), acc3));
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
            float d = half(at);
            float dmin = half(at + 2);
            int sa = data.get(INT, at + SCALES);
            int sc = data.get(INT, at + SCALES + 8);
            long scales = scales(sa, sc);
            long mins = mins(data.get(INT, at + SCALES + 4), sc);
            for (int c = 0; c < RUNS; c++) {
                FloatVector d0 = FloatVector.broadcast(FLOATS, d * at(scales, 2 * c));
                FloatVector d1 = FloatVector.broadcast(FLOATS, d * at(scales, 2 * c + 1));
                FloatVector m0 = FloatVector.broadcast(FLOATS, -dmin * at(mins, 2 * c));
                FloatVector m1 = FloatVector.broadcast(FLOATS, -dmin * at(mins, 2 * c + 1));
                long q = at + QUANTS + (long) c * RUN_BYTES;
                for (int j = 0; j < RUN_BYTES; j += BYTES.length()) {
                    ByteVector packed = QuantBlocks.packed(data, q + j);
                    for (int p = 0; p < BYTE_PARTS; p++) {
                        IntVector wide = QuantBlocks.widen(packed, p);
                        IntVector qh = QuantBlocks.widen(QuantBlocks.packed(data, at + HIGH_BITS + j + p * LANES), 0);
                        int k = offset + s * SUPER + c * RUN + j + p * LANES;
                        fiveBits(wide.and(0x0f), qh, 2 * c).fma(d0, m0).intoArray(dst, k);
                        fiveBits(wide.lanewise(VectorOperators.LSHR, 4), qh, 2 * c + 1).fma(d1, m1).intoArray(dst, k + RUN_BYTES);
                    }
                }
            }
        }
    }
}
