package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.QuantBlocks.BLOCK;
import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.LANES;

import dev.specula.runtime.tensor.Tensor;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;

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
     * made this loop shorter but decode slower in place, so they are stepped alongside it. Two blocks per
     * iteration into separate accumulators (one: 1.5x slower per row). An odd last block is summed in
     * scalar code: a third call of the block code took C2 past its inlining node limit, and it called the
     * block code out of line, boxing vectors per block (rows of 43 blocks: 10 MB per token).
     */
    @Override
    float dot(long rowOffset, float[] x, int xOffset) {
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
        float tail = b < blocks ? blockDot(at, x, xi) : 0;
        int sums = sums(xOffset);
        acc0.add(acc1).intoArray(x, sums);
        return VectorMath.sumLanes(x, sums) + tail;
    }

    /**
     * Offsets derive from the int block counter, so C2 sees a counted loop and hoists most bounds checks
     * (with offsets stepped alongside, it kept one per load: about 25% more time per block). Part of that
     * hoisting rests on a profiled loop predicate; a confined arena used anywhere in the process once made it
     * fail in most runs (loop recompiled with the checks inside, 1.4x slower), hence
     * {@code SegmentReader.open}'s refusal of them.
     */
    @Override
    void dot4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] out, int o0, int o1, int o2,
              int o3) {
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        FloatVector acc2 = FloatVector.zero(FLOATS);
        FloatVector acc3 = FloatVector.zero(FLOATS);
        int blocks = cols / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long at = rowOffset + (long) b * BLOCK_BYTES;
            FloatVector s0 = FloatVector.zero(FLOATS);
            FloatVector s1 = FloatVector.zero(FLOATS);
            FloatVector s2 = FloatVector.zero(FLOATS);
            FloatVector s3 = FloatVector.zero(FLOATS);
            for (int p = 0; p < BLOCK / LANES; p++) {
                FloatVector w = QuantBlocks.q8Part(data, at + 2, p);
                int k = b * BLOCK + p * LANES;
                s0 = w.fma(FloatVector.fromArray(FLOATS, x, x0 + k), s0);
                s1 = w.fma(FloatVector.fromArray(FLOATS, x, x1 + k), s1);
                s2 = w.fma(FloatVector.fromArray(FLOATS, x, x2 + k), s2);
                s3 = w.fma(FloatVector.fromArray(FLOATS, x, x3 + k), s3);
            }
            FloatVector d = FloatVector.broadcast(FLOATS, scale(at));
            acc0 = s0.fma(d, acc0);
            acc1 = s1.fma(d, acc1);
            acc2 = s2.fma(d, acc2);
            acc3 = s3.fma(d, acc3);
        }
        int sums = sums(x0);
        acc0.intoArray(x, sums);
        acc1.intoArray(x, sums + LANES);
        acc2.intoArray(x, sums + 2 * LANES);
        acc3.intoArray(x, sums + 3 * LANES);
        storeSums(x, sums, out, o0, o1, o2, o3);
    }

    /** One block's dot product, in scalar code (see {@link #dot}). */
    private float blockDot(long at, float[] x, int xi) {
        float sum = 0;
        for (int j = 0; j < BLOCK; j++) {
            sum += data.get(ValueLayout.JAVA_BYTE, at + 2 + j) * x[xi + j];
        }
        return sum * scale(at);
    }

    @Override
    void blockDecode(long at, float d, float[] dst, int offset) {
        QuantBlocks.q8Decode(data, at, d, dst, offset);
    }
}
