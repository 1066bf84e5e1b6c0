package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.QuantBlocks.BLOCK;
import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.LANES;

import dev.specula.runtime.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml's scaled block types read in place: blocks of 32 values, each an fp16 scale {@code d} followed
 * by the block's quants. Subclasses decode the quants of one block.
 *
 * <p>Each subclass also has its own copy of the single-row (decode) loop: C2 compiles a loop shared by
 * the types once, and with two types in use it inlines both block kernels into it, reaches its
 * inlining node limit and calls them out of line, boxing the vectors (Q4_0 decoded at half speed
 * after Q8_0 had run).
 */
abstract sealed class ScaledBlockWeights extends RowMajorWeights permits Q8_0Weights, Q4_0Weights {

    private final int blockBytes;

    ScaledBlockWeights(Tensor tensor, int blockBytes) {
        super(tensor);
        this.blockBytes = blockBytes;
    }

    /** Values {@code [part * LANES, (part + 1) * LANES)} of the quants at byte {@code at}, unscaled. */
    abstract FloatVector blockPart(long at, int part);

    /** Writes {@code d * q} for the quants at byte {@code at} to {@code dst[offset .. offset+32)}. */
    abstract void blockDecode(long at, float d, float[] dst, int offset);

    @Override
    final void batched(float[] x, float[] out, int batch, int rowFrom, int rowTo) {
        if (batch > REGISTER_BATCH) {
            super.batched(x, out, batch, rowFrom, rowTo);
            return;
        }
        // Fewer than four rows repeat the last one, so every row goes through the same code and
        // identical activation rows (identical ensemble members) get bit-identical results.
        int x1 = Math.min(1, batch - 1) * cols;
        int x2 = Math.min(2, batch - 1) * cols;
        int x3 = Math.min(3, batch - 1) * cols;
        int o1 = Math.min(1, batch - 1) * rows;
        int o2 = Math.min(2, batch - 1) * rows;
        int o3 = Math.min(3, batch - 1) * rows;
        for (int r = rowFrom; r < rowTo; r++) {
            dot4(r * rowBytes, x, x1, x2, x3, out, r, r + o1, r + o2, r + o3);
        }
    }

    /**
     * Dot products of one row with four activation rows ({@code x[0 ..]}, {@code x[x1 ..]}, ...):
     * each block is decoded once into {@code BLOCK / LANES} float vectors, which then feed one FMA
     * per activation row; the block's scale is applied once per row. Offsets derive from the int
     * block counter, so C2 sees a counted loop and hoists most bounds checks (with offsets stepped
     * alongside, it kept one per load: about 25% more time per block).
     */
    private void dot4(long rowOffset, float[] x, int x1, int x2, int x3,
                      float[] out, int o0, int o1, int o2, int o3) {
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        FloatVector acc2 = FloatVector.zero(FLOATS);
        FloatVector acc3 = FloatVector.zero(FLOATS);
        int blocks = cols / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long at = rowOffset + (long) b * blockBytes;
            FloatVector s0 = FloatVector.zero(FLOATS);
            FloatVector s1 = FloatVector.zero(FLOATS);
            FloatVector s2 = FloatVector.zero(FLOATS);
            FloatVector s3 = FloatVector.zero(FLOATS);
            for (int p = 0; p < BLOCK / LANES; p++) {
                FloatVector w = blockPart(at + 2, p);
                int k = b * BLOCK + p * LANES;
                s0 = w.fma(FloatVector.fromArray(FLOATS, x, k), s0);
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
        out[o0] = acc0.reduceLanes(VectorOperators.ADD);
        out[o1] = acc1.reduceLanes(VectorOperators.ADD);
        out[o2] = acc2.reduceLanes(VectorOperators.ADD);
        out[o3] = acc3.reduceLanes(VectorOperators.ADD);
    }

    /** The fp16 scale of the block at byte {@code blockAt}. */
    final float scale(long blockAt) {
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
