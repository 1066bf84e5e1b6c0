package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.INTS;
import static dev.specula.runtime.kernel.Species.LANES;
import static dev.specula.runtime.kernel.Species.SHORTS;
import static dev.specula.runtime.kernel.Species.SHORT_PARTS;

import dev.specula.runtime.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/** bfloat16 weights (the top 16 bits of a float), widened to float in registers: a widen and a shift. */
final class BF16Weights extends RowMajorWeights {

    private static final int STEP = SHORTS.length();

    BF16Weights(Tensor tensor) {
        super(tensor);
    }

    /** Part {@code p} of {@code w} widened to floats: exact, bf16 is a truncated float. */
    private static FloatVector widen(ShortVector w, int p) {
        IntVector bits = (IntVector) w.convertShape(VectorOperators.S2I, INTS, p);
        return bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static float toFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    @Override
    float dot(long rowOffset, float[] x, int xOffset) {
        // Four independent accumulators hide the FMA latency behind the widening work.
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        FloatVector acc2 = FloatVector.zero(FLOATS);
        FloatVector acc3 = FloatVector.zero(FLOATS);
        int i = 0;
        for (; i <= cols - 4 * STEP; i += 4 * STEP) {
            long at = rowOffset + (long) i * Short.BYTES;
            int xi = xOffset + i;
            acc0 = dot(load(at), x, xi, acc0);
            acc1 = dot(load(at + STEP * Short.BYTES), x, xi + STEP, acc1);
            acc2 = dot(load(at + 2 * STEP * Short.BYTES), x, xi + 2 * STEP, acc2);
            acc3 = dot(load(at + 3 * STEP * Short.BYTES), x, xi + 3 * STEP, acc3);
        }
        for (; i <= cols - STEP; i += STEP) {
            acc0 = dot(load(rowOffset + (long) i * Short.BYTES), x, xOffset + i, acc0);
        }
        float sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) {
            sum += toFloat(data.get(SHORT, rowOffset + (long) i * Short.BYTES)) * x[xOffset + i];
        }
        return sum;
    }

    private FloatVector dot(ShortVector w, float[] x, int xi, FloatVector acc) {
        for (int p = 0; p < SHORT_PARTS; p++) {
            acc = widen(w, p).fma(FloatVector.fromArray(FLOATS, x, xi + p * LANES), acc);
        }
        return acc;
    }

    private ShortVector load(long at) {
        return ShortVector.fromMemorySegment(SHORTS, data, at, ORDER);
    }

    @Override
    void dequantize(long rowOffset, float[] dst, int offset) {
        int i = 0;
        for (; i <= cols - STEP; i += STEP) {
            ShortVector w = load(rowOffset + (long) i * Short.BYTES);
            for (int p = 0; p < SHORT_PARTS; p++) {
                widen(w, p).intoArray(dst, offset + i + p * LANES);
            }
        }
        for (; i < cols; i++) {
            dst[offset + i] = toFloat(data.get(SHORT, rowOffset + (long) i * Short.BYTES));
        }
    }
}
