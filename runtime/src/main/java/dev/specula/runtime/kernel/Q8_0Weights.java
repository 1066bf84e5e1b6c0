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
     * The single-row (decode) product; why each type has its own copy: see {@link ScaledBlockWeights}.
     * Unlike there, offsets derived from the block counter (a counted loop, bounds checks hoisted)
     * made this loop shorter but decode slower in place, so they are stepped alongside it.
     */
    @Override
    float dot(long rowOffset, float[] x, int xOffset) {
        // Two blocks per iteration into separate accumulators (four stop C2 from inlining the block code).
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        int blocks = cols / BLOCK;
        long at = rowOffset;
        int xi = xOffset;
        int b = 0;
        for (; b + 1 < blocks; b += 2, at += 2L * BLOCK_BYTES, xi += 2 * BLOCK) {
            acc0 = QuantBlocks.q8Dot(data, at + 2, scale(at), x, xi, acc0);
            acc1 = QuantBlocks.q8Dot(data, at + BLOCK_BYTES + 2, scale(at + BLOCK_BYTES), x, xi + BLOCK, acc1);
        }
        if (b < blocks) {
            acc0 = QuantBlocks.q8Dot(data, at + 2, scale(at), x, xi, acc0);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
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
