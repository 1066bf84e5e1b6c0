package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.QuantBlocks.BLOCK;
import static dev.specula.runtime.kernel.QuantBlocks.HALF;
import static dev.specula.runtime.kernel.Species.FLOATS;

import dev.specula.runtime.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q4_0, read in place: blocks of 32 values, each an fp16 scale {@code d} then 16 bytes whose
 * low nibbles are values 0..15 and high nibbles values 16..31; value = d * (nibble - 8).
 */
final class Q4_0Weights extends RowMajorWeights {

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
            acc0 = QuantBlocks.q4Dot(data, at + 2, scale(at), x, xi, acc0);
            acc1 = QuantBlocks.q4Dot(data, at + BLOCK_BYTES + 2, scale(at + BLOCK_BYTES), x, xi + BLOCK, acc1);
        }
        if (b < blocks) {
            acc0 = QuantBlocks.q4Dot(data, at + 2, scale(at), x, xi, acc0);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    private float scale(long blockAt) {
        return Float.float16ToFloat(data.get(SHORT, blockAt));
    }

    @Override
    void dequantize(long rowOffset, float[] dst, int offset) {
        long at = rowOffset;
        for (int i = 0; i < cols; i += BLOCK, at += BLOCK_BYTES) {
            QuantBlocks.q4Decode(data, at + 2, scale(at), dst, offset + i);
        }
    }
}
