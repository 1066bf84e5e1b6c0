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
     * Dot products of one row with four activation rows ({@code x[0 ..]}, {@code x[x1 ..]}, ...) into
     * {@code out[o0]}, {@code out[o1]}, ...: each block is decoded once into registers and each decoded
     * vector feeds one FMA per activation row, the block's scale applied once per row. Each type has its
     * own copy, for the reason the single-row loop has (see the class comment), and because Q4_0 must
     * split each load into both nibble halves: decoding part by part cost it 33 against 23 cycles per block.
     */
    abstract void dot4(long rowOffset, float[] x, int x1, int x2, int x3, float[] out, int o0, int o1, int o2, int o3);

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
