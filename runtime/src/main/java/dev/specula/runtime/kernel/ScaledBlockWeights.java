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
abstract sealed class ScaledBlockWeights extends RowMajorWeights permits Q8_0Weights, Q4_0Weights, Q4_1Weights,
        Q5_0Weights, Q5_1Weights, IQ4_NLWeights {

    private final int blockBytes;

    ScaledBlockWeights(Tensor tensor, int blockBytes) {
        super(tensor);
        this.blockBytes = blockBytes;
    }

    /** Writes {@code d * q} for the quants at byte {@code at} to {@code dst[offset .. offset+32)}. */
    abstract void blockDecode(long at, float d, float[] dst, int offset);

    @Override
    final void dequantize(long rowOffset, float[] dst, int offset) {
        long at = rowOffset;
        for (int i = 0; i < cols; i += BLOCK, at += blockBytes) {
            blockDecode(at + 2, half(at), dst, offset + i);
        }
    }
}
