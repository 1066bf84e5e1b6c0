package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.QuantBlocks.BLOCK;

import dev.specula.runtime.tensor.Tensor;

/**
 * ggml's scaled block types read in place: blocks of 32 values, each an fp16 scale {@code d} followed
 * by the block's quants. Subclasses decode the quants of one block.
 *
 * <p>Each subclass also has its own copy of the single-row (decode) loop: C2 compiles a loop shared by
 * the types once, and with two types in use it inlines both block kernels into it, reaches its
 * inlining node limit and calls them out of line, boxing the vectors (Q4_0 decoded at half speed
 * after Q8_0 had run). Their {@link #dot4} loops are per type too, because Q4_0 splits each load into
 * both nibble halves (a shared loop decoding part by part cost it 33 against 23 cycles per block for
 * four rows): each block is decoded once into registers, each decoded vector feeds one FMA per
 * activation row, and the block's scale is applied once per row.
 */
abstract sealed class ScaledBlockWeights extends RowMajorWeights permits Q8_0Weights, Q4_0Weights {

    /**
     * With 512-bit vectors (two per block) a pass takes two weight rows, so each activation vector loaded
     * feeds two FMAs: the activation loads, not the FMAs, bound the four-row products (with one activation
     * row loaded for all four, a Q8_0 block took 1.9 against 3.4 ns in cache; Q4_0 paired, 2.3 against 2.7).
     * Their 16 accumulators and partial sums would spill on narrower vectors' 16 registers.
     */
    static final boolean PAIRED = 2 * Species.LANES == BLOCK;

    private final int blockBytes;

    ScaledBlockWeights(Tensor tensor, int blockBytes) {
        super(tensor);
        this.blockBytes = blockBytes;
    }

    @Override
    final void batchRows(float[] x, int x0, int x1, int x2, int x3, float[] out, int o1, int o2, int o3, int rowFrom,
                         int rowTo) {
        int r = rowFrom;
        if (PAIRED) {
            for (; r + 1 < rowTo; r += 2) {
                dot2x4(r * rowBytes, x, x0, x1, x2, x3, out, r, o1, o2, o3);
            }
        }
        for (; r < rowTo; r++) {
            dot4(r * rowBytes, x, x0, x1, x2, x3, out, r, r + o1, r + o2, r + o3);
        }
    }

    /**
     * The row at byte {@code rowOffset} and the next one against four activation rows, into {@code out[o]},
     * {@code out[o + o1]}, ... and {@code out[o + 1]}, {@code out[o + 1 + o1]}, ...; per row the same
     * operations in the same order as {@link #dot4}, so a row's result does not depend on its pairing. Called
     * only where {@link #PAIRED}, so it may take a block as two vectors.
     */
    abstract void dot2x4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] out, int o, int o1,
                         int o2, int o3);

    /** Writes {@code d * q} for the quants at byte {@code at} to {@code dst[offset .. offset+32)}. */
    abstract void blockDecode(long at, float d, float[] dst, int offset);

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
