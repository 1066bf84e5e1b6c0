package dev.specula.runtime.kernel;

import dev.specula.runtime.tensor.Tensor;
import java.lang.foreign.ValueLayout;

/**
 * ggml's k-quant types read in place: super-blocks of {@value #SUPER} values with one fp16 scale, whose
 * sub-blocks of 16 or 32 values each carry a small integer scale of their own. Unlike the 32-value block
 * types, whose integer products are summed first and scaled once per block, a decoded weight vector is
 * scaled (and offset) in registers as soon as it is decoded: a sub-block's scale changes every one or two
 * vectors, so scaling per sum would cost as many FMAs and more accumulators. A super-block's small scales are
 * read in a few wide loads and taken apart in registers: read a byte at a time, their bounds checks and C2's
 * range-check machinery around them took Q4_K's one-row product to 4.0 against 2.7 ns per 32 values (one
 * thread; Q4_0 1.4). Storing them once per super-block in the activations' scratch instead ran slower (3.3).
 */
abstract sealed class SuperBlockWeights extends RowMajorWeights permits Q4_KWeights, Q6_KWeights {

    static final int SUPER = 256;
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ORDER);
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ORDER);

    SuperBlockWeights(Tensor tensor) {
        super(tensor);
    }

    /** The fp16 value at byte {@code at}. */
    final float half(long at) {
        return Float.float16ToFloat(data.get(SHORT, at));
    }

    /** Two rows as two {@link #dot4} passes: k-quants do not pair rows (yet). */
    @Override
    final void dot2x4(long rowOffset, float[] x, int x0, int x1, int x2, int x3, float[] out, int o, int o1,
                      int o2, int o3) {
        dot4(rowOffset, x, x0, x1, x2, x3, out, o, o + o1, o + o2, o + o3);
        dot4(rowOffset + rowBytes, x, x0, x1, x2, x3, out, o + 1, o + 1 + o1, o + 1 + o2, o + 1 + o3);
    }
}
