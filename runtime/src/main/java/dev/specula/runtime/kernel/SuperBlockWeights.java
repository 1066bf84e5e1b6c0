package dev.specula.runtime.kernel;

import dev.specula.runtime.tensor.Tensor;

/**
 * ggml's k-quant types read in place: super-blocks of {@value #SUPER} values with one fp16 scale, whose
 * sub-blocks of 16 or 32 values each carry a small integer scale of their own. Unlike the 32-value block
 * types, whose integer products are summed first and scaled once per block, a decoded weight vector is
 * scaled (and offset) in registers as soon as it is decoded: a sub-block's scale changes every one or two
 * vectors, so scaling per sum would cost as many FMAs and more accumulators. A super-block's small scales are
 * read in a few wide loads and taken apart in registers: read a byte at a time, their bounds checks and C2's
 * range-check machinery around them took Q4_K's one-row product to 4.0 ns per 32 values, against 2.3-2.5 now
 * (one thread; Q4_0 1.4). Storing them as floats once per super-block in the activations' scratch ran slower.
 *
 * <p>Kernels that widen two byte vectors per vector of values (Q3_K, Q5_K, Q6_K) load each part's bytes
 * themselves for at least one of them rather than widen the upper part of one load: on 128-bit vectors, where a
 * load holds two parts, widening part 1 of both took those single-row kernels past C2's inlining node limit, and
 * the calls left out of line boxed vectors (Q6_K 450 against 9.8 ns per 32 values, {@code -XX:MaxVectorSize=16}).
 * Q5_K's quants keep one load per two parts: a load per part would read past its last super-block.
 */
abstract sealed class SuperBlockWeights extends RowMajorWeights permits Q2_KWeights, Q3_KWeights, Q4_KWeights,
        Q5_KWeights, Q6_KWeights, IQ4_XSWeights {

    static final int SUPER = 256;

    SuperBlockWeights(Tensor tensor) {
        super(tensor);
    }

    /**
     * Q4_K's and Q5_K's eight 6-bit sub-block scales, one per byte (sub-block {@code j} in byte {@code j}), from
     * the super-block's twelve scale bytes read as the little-endian ints {@code a}, {@code b}, {@code c} (ggml's
     * {@code get_scale_min_k4} for all eight at once, branch-free): sub-blocks 0-3 keep theirs in the low six
     * bits of {@code a}'s bytes, 4-7 in the low nibbles of {@code c}'s bytes under the top two bits of
     * {@code a}'s. A run of 64 values then shifts its two out (2.57-2.62 -> 2.27-2.54 ns per 32 values against
     * taking each apart with a branch on the sub-block, Q4_K, one thread).
     */
    static long scales(int a, int c) {
        return a & 0x3f3f3f3fL | ((c & 0x0f0f0f0fL | (a >>> 6 & 0x03030303L) << 4) << 32);
    }

    /** The eight 6-bit mins, as {@link #scales}: in {@code b}'s bytes and the high nibbles of {@code c}'s. */
    static long mins(int b, int c) {
        return b & 0x3f3f3f3fL | ((c >>> 4 & 0x0f0f0f0fL | (b >>> 6 & 0x03030303L) << 4) << 32);
    }

    /** Byte {@code j} of {@code packed}. */
    static int at(long packed, int j) {
        return (int) (packed >>> 8 * j) & 0xff;
    }
}
