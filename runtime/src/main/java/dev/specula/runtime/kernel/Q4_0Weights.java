package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.Species.BYTES;
import static dev.specula.runtime.kernel.Species.BYTE_PARTS;
import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.LANES;

import dev.specula.runtime.tensor.Tensor;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q4_0, read in place: blocks of 32 values, each an fp16 scale {@code d} then 16 bytes whose
 * low nibbles are values 0..15 and high nibbles values 16..31; value = d * (nibble - 8).
 */
final class Q4_0Weights extends RowMajorWeights {

    private static final int BLOCK = 32;
    private static final int HALF = BLOCK / 2;
    private static final int BLOCK_BYTES = 2 + HALF;

    Q4_0Weights(Tensor tensor) {
        super(tensor);
    }

    @Override
    float dot(long rowOffset, float[] x, int xOffset) {
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        int blocks = cols / BLOCK;
        long at = rowOffset;
        int xi = xOffset;
        int b = 0;
        for (; b + 1 < blocks; b += 2, at += 2 * BLOCK_BYTES, xi += 2 * BLOCK) {
            acc0 = block(at, x, xi, acc0);
            acc1 = block(at + BLOCK_BYTES, x, xi + BLOCK, acc1);
        }
        if (b < blocks) {
            acc0 = block(at, x, xi, acc0);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    private FloatVector block(long at, float[] x, int xi, FloatVector acc) {
        float d = Float.float16ToFloat(data.get(SHORT, at));
        FloatVector sum = FloatVector.zero(FLOATS);
        for (int j = 0; j < HALF; j += BYTES.length()) {
            ByteVector packed = ByteVector.fromMemorySegment(BYTES, data, at + 2 + j, ORDER);
            ByteVector low = low(packed);
            ByteVector high = high(packed);
            for (int p = 0; p < BYTE_PARTS; p++) {
                int xj = xi + j + p * LANES;
                sum = ((FloatVector) low.convertShape(VectorOperators.B2F, FLOATS, p))
                        .fma(FloatVector.fromArray(FLOATS, x, xj), sum);
                sum = ((FloatVector) high.convertShape(VectorOperators.B2F, FLOATS, p))
                        .fma(FloatVector.fromArray(FLOATS, x, xj + HALF), sum);
            }
        }
        return sum.fma(FloatVector.broadcast(FLOATS, d), acc);
    }

    /** Low nibbles, recentred to -8..7. */
    private static ByteVector low(ByteVector packed) {
        return packed.and((byte) 0x0f).sub((byte) 8);
    }

    /** High nibbles, recentred to -8..7. x86 has no byte shift, so shift as shorts and mask. */
    private static ByteVector high(ByteVector packed) {
        return packed.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes()
                .and((byte) 0x0f).sub((byte) 8);
    }

    @Override
    void dequantize(long rowOffset, float[] dst, int offset) {
        long at = rowOffset;
        for (int i = 0; i < cols; i += BLOCK, at += BLOCK_BYTES) {
            FloatVector d = FloatVector.broadcast(FLOATS, Float.float16ToFloat(data.get(SHORT, at)));
            for (int j = 0; j < HALF; j += BYTES.length()) {
                ByteVector packed = ByteVector.fromMemorySegment(BYTES, data, at + 2 + j, ORDER);
                ByteVector low = low(packed);
                ByteVector high = high(packed);
                for (int p = 0; p < BYTE_PARTS; p++) {
                    int k = offset + i + j + p * LANES;
                    ((FloatVector) low.convertShape(VectorOperators.B2F, FLOATS, p)).mul(d).intoArray(dst, k);
                    ((FloatVector) high.convertShape(VectorOperators.B2F, FLOATS, p)).mul(d).intoArray(dst, k + HALF);
                }
            }
        }
    }
}
