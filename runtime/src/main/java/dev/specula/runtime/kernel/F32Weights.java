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

    private FloatVector load(long at) {
        return FloatVector.fromMemorySegment(FLOATS, data, at, ORDER);
    }

    @Override
    void dequantize(long rowOffset, float[] dst, int offset) {
        MemorySegment.copy(data, FLOAT, rowOffset, dst, offset, cols);
    }
}
