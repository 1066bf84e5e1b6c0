package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.QuantBlocks.BLOCK;
import static dev.specula.runtime.kernel.Species.FLOATS;

import dev.specula.runtime.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml's scaled block types read in place: blocks of 32 values, each an fp16 scale {@code d} followed
 * by the block's quants. Subclasses decode the quants of one block.
 */
abstract sealed class ScaledBlockWeights extends RowMajorWeights permits Q8_0Weights, Q4_0Weights {

    private final int blockBytes;

    ScaledBlockWeights(Tensor tensor, int quantBytes) {
        super(tensor);
        this.blockBytes = 2 + quantBytes;
    }

    /** {@code acc + d * q . x[xi .. xi+32)} for the quants at byte {@code at}. */
    abstract FloatVector blockDot(long at, float d, float[] x, int xi, FloatVector acc);

    /** Writes {@code d * q} for the quants at byte {@code at} to {@code dst[offset .. offset+32)}. */
    abstract void blockDecode(long at, float d, float[] dst, int offset);

    @Override
    final float dot(long rowOffset, float[] x, int xOffset) {
        // Two blocks per iteration into separate accumulators (four stop C2 from inlining the block code).
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        int blocks = cols / BLOCK;
        long at = rowOffset;
        int xi = xOffset;
        int b = 0;
        for (; b + 1 < blocks; b += 2, at += 2L * blockBytes, xi += 2 * BLOCK) {
            acc0 = blockDot(at + 2, scale(at), x, xi, acc0);
            acc1 = blockDot(at + blockBytes + 2, scale(at + blockBytes), x, xi + BLOCK, acc1);
        }
        if (b < blocks) {
            acc0 = blockDot(at + 2, scale(at), x, xi, acc0);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    private float scale(long blockAt) {
        return Float.float16ToFloat(data.get(SHORT, blockAt));
    }

    @Override
    final void dequantize(long rowOffset, float[] dst, int offset) {
        long at = rowOffset;
        for (int i = 0; i < cols; i += BLOCK, at += blockBytes) {
            blockDecode(at + 2, scale(at), dst, offset + i);
        }
    }
}
