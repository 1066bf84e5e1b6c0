package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.LANES;

import dev.specula.runtime.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Plain float weights, read straight from the segment. */
final class F32Weights extends RowMajorWeights {

    F32Weights(Tensor tensor) {
        super(tensor);
    }

    @Override
    float dot(long rowOffset, float[] x, int xOffset) {
        // Four independent accumulators hide the FMA latency; the loop is then bound by loads.
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        FloatVector acc2 = FloatVector.zero(FLOATS);
        FloatVector acc3 = FloatVector.zero(FLOATS);
        int i = 0;
        for (; i <= cols - 4 * LANES; i += 4 * LANES) {
            long at = rowOffset + (long) i * Float.BYTES;
            acc0 = load(at).fma(FloatVector.fromArray(FLOATS, x, xOffset + i), acc0);
            acc1 = load(at + LANES * Float.BYTES).fma(FloatVector.fromArray(FLOATS, x, xOffset + i + LANES), acc1);
            acc2 = load(at + 2 * LANES * Float.BYTES).fma(FloatVector.fromArray(FLOATS, x, xOffset + i + 2 * LANES), acc2);
            acc3 = load(at + 3 * LANES * Float.BYTES).fma(FloatVector.fromArray(FLOATS, x, xOffset + i + 3 * LANES), acc3);
        }
        for (; i <= cols - LANES; i += LANES) {
            acc0 = load(rowOffset + (long) i * Float.BYTES).fma(FloatVector.fromArray(FLOATS, x, xOffset + i), acc0);
        }
        float sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) {
            sum += data.get(FLOAT, rowOffset + (long) i * Float.BYTES) * x[xOffset + i];
        }
        return sum;
    }

    @Override
    void dot4(long rowOffset, float[] x, int xOffset, float[] out, int outIndex, int outStride) {
        // Each weight vector is loaded once and multiplied into four accumulators, one per activation row.
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        FloatVector acc2 = FloatVector.zero(FLOATS);
        FloatVector acc3 = FloatVector.zero(FLOATS);
        int x1 = xOffset + cols;
        int x2 = x1 + cols;
        int x3 = x2 + cols;
        int i = 0;
        for (; i <= cols - LANES; i += LANES) {
            FloatVector w = load(rowOffset + (long) i * Float.BYTES);
            acc0 = w.fma(FloatVector.fromArray(FLOATS, x, xOffset + i), acc0);
            acc1 = w.fma(FloatVector.fromArray(FLOATS, x, x1 + i), acc1);
            acc2 = w.fma(FloatVector.fromArray(FLOATS, x, x2 + i), acc2);
            acc3 = w.fma(FloatVector.fromArray(FLOATS, x, x3 + i), acc3);
        }
        float s0 = acc0.reduceLanes(VectorOperators.ADD);
        float s1 = acc1.reduceLanes(VectorOperators.ADD);
        float s2 = acc2.reduceLanes(VectorOperators.ADD);
        float s3 = acc3.reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) {
            float w = data.get(FLOAT, rowOffset + (long) i * Float.BYTES);
            s0 += w * x[xOffset + i];
            s1 += w * x[x1 + i];
            s2 += w * x[x2 + i];
            s3 += w * x[x3 + i];
        }
        out[outIndex] = s0;
        out[outIndex + outStride] = s1;
        out[outIndex + 2 * outStride] = s2;
        out[outIndex + 3 * outStride] = s3;
    }

    private FloatVector load(long at) {
        return FloatVector.fromMemorySegment(FLOATS, data, at, ORDER);
    }

    @Override
    void dequantize(long rowOffset, float[] dst, int offset) {
        MemorySegment.copy(data, FLOAT, rowOffset, dst, offset, cols);
    }
}
