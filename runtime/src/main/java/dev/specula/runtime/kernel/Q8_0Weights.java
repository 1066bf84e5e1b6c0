package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.QuantBlocks.BLOCK;
import static dev.specula.runtime.kernel.Species.FLOATS;

import dev.specula.runtime.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q8_0, read in place: blocks of 32 values, each an fp16 scale {@code d} then 32 int8
 * {@code q}; value = d * q.
 */
final class Q8_0Weights extends ScaledBlockWeights {

    private static final int BLOCK_BYTES = 2 + BLOCK;

    Q8_0Weights(Tensor tensor) {
        super(tensor, BLOCK_BYTES);
    }

    /**
     * The single-row (decode) product. Each type has its own loop rather than one shared with
     * the other block types: C2 compiles a shared loop once for both types, and in a model holding both it
     * inlines both block kernels into it, runs into its inlining node limit and calls them out of
     * line instead, boxing the vectors (Q4_0 decode then ran at half speed).
     */
    @Override
    float dot(long rowOffset, float[] x, int xOffset) {
        // Two blocks per iteration into separate accumulators (four stop C2 from inlining the block code).
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        int blocks = cols / BLOCK;
        int pairs = blocks & ~1; // "b + 1 < blocks" would not be a counted loop to C2
        int b = 0;
        for (; b < pairs; b += 2) {
            acc0 = blockDot(rowOffset, b, x, xOffset, acc0);
            acc1 = blockDot(rowOffset, b + 1, x, xOffset, acc1);
        }
        if (b < blocks) {
            acc0 = blockDot(rowOffset, b, x, xOffset, acc0);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    /** {@code acc +} block {@code b} of the row times {@code x[xOffset + b * BLOCK ..]}. */
    private FloatVector blockDot(long rowOffset, int b, float[] x, int xOffset, FloatVector acc) {
        long at = rowOffset + (long) b * BLOCK_BYTES;
        return QuantBlocks.q8Dot(data, at + 2, scale(at), x, xOffset + b * BLOCK, acc);
    }

    @Override
    FloatVector blockPart(long at, int part) {
        return QuantBlocks.q8Part(data, at, part);
    }

    @Override
    void blockDecode(long at, float d, float[] dst, int offset) {
        QuantBlocks.q8Decode(data, at, d, dst, offset);
    }
}
