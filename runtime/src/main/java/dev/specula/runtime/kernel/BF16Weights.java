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
final class BF16Weights extends ElementWeights {

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
    float value(long rowOffset, int c) {
        return toFloat(data.get(SHORT, rowOffset + (long) c * Short.BYTES));
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
        float sum = VectorMath.sumLanes(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < cols; i++) {
            sum += value(rowOffset, i) * x[xOffset + i];
        }
        return sum;
    }

    @Override
    void dot2x4(long rowOffset, float[] x, int x1, int x2, int x3, float[] out, int o, int o1, int o2, int o3) {
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = FloatVector.zero(FLOATS);
        FloatVector a2 = FloatVector.zero(FLOATS);
        FloatVector a3 = FloatVector.zero(FLOATS);
        FloatVector b0 = FloatVector.zero(FLOATS);
        FloatVector b1 = FloatVector.zero(FLOATS);
        FloatVector b2 = FloatVector.zero(FLOATS);
        FloatVector b3 = FloatVector.zero(FLOATS);
        long next = rowOffset + rowBytes;
        int k = 0;
        for (; k <= cols - STEP; k += STEP) {
            ShortVector ws = load(rowOffset + (long) k * Short.BYTES);
            ShortVector vs = load(next + (long) k * Short.BYTES);
            for (int p = 0; p < SHORT_PARTS; p++) {
                FloatVector w = widen(ws, p);
                FloatVector v = widen(vs, p);
                int c = k + p * LANES;
                FloatVector y = FloatVector.fromArray(FLOATS, x, c);
                a0 = w.fma(y, a0);
                b0 = v.fma(y, b0);
                y = FloatVector.fromArray(FLOATS, x, x1 + c);
                a1 = w.fma(y, a1);
                b1 = v.fma(y, b1);
                y = FloatVector.fromArray(FLOATS, x, x2 + c);
                a2 = w.fma(y, a2);
                b2 = v.fma(y, b2);
                y = FloatVector.fromArray(FLOATS, x, x3 + c);
                a3 = w.fma(y, a3);
                b3 = v.fma(y, b3);
            }
        }
        store4(rowOffset, k, x, x1, x2, x3, VectorMath.sumLanes(a0), VectorMath.sumLanes(a1),
                VectorMath.sumLanes(a2), VectorMath.sumLanes(a3), out, o, o + o1, o + o2, o + o3);
        store4(next, k, x, x1, x2, x3, VectorMath.sumLanes(b0), VectorMath.sumLanes(b1),
                VectorMath.sumLanes(b2), VectorMath.sumLanes(b3), out, o + 1, o + 1 + o1, o + 1 + o2, o + 1 + o3);
    }

    @Override
    void dot4(long rowOffset, float[] x, int x1, int x2, int x3, float[] out, int o0, int o1, int o2, int o3) {
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = FloatVector.zero(FLOATS);
        FloatVector a2 = FloatVector.zero(FLOATS);
        FloatVector a3 = FloatVector.zero(FLOATS);
        int k = 0;
        for (; k <= cols - STEP; k += STEP) {
            ShortVector ws = load(rowOffset + (long) k * Short.BYTES);
            for (int p = 0; p < SHORT_PARTS; p++) {
                FloatVector w = widen(ws, p);
                int c = k + p * LANES;
                a0 = w.fma(FloatVector.fromArray(FLOATS, x, c), a0);
                a1 = w.fma(FloatVector.fromArray(FLOATS, x, x1 + c), a1);
                a2 = w.fma(FloatVector.fromArray(FLOATS, x, x2 + c), a2);
                a3 = w.fma(FloatVector.fromArray(FLOATS, x, x3 + c), a3);
            }
        }
        store4(rowOffset, k, x, x1, x2, x3, VectorMath.sumLanes(a0), VectorMath.sumLanes(a1),
                VectorMath.sumLanes(a2), VectorMath.sumLanes(a3), out, o0, o1, o2, o3);
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
            dst[offset + i] = value(rowOffset, i);
        }
    }
}
