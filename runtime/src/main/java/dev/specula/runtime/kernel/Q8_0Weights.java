package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.QuantBlocks.BLOCK;

import dev.specula.runtime.tensor.Tensor;
import jdk.incubator.vector.FloatVector;

/**
 * ggml Q8_0, read in place: blocks of 32 values, each an fp16 scale {@code d} then 32 int8
 * {@code q}; value = d * q.
 */
final class Q8_0Weights extends ScaledBlockWeights {

    Q8_0Weights(Tensor tensor) {
        super(tensor, BLOCK);
    }

    @Override
    FloatVector blockDot(long at, float d, float[] x, int xi, FloatVector acc) {
        return QuantBlocks.q8Dot(data, at, d, x, xi, acc);
    }

    @Override
    void blockDecode(long at, float d, float[] dst, int offset) {
        QuantBlocks.q8Decode(data, at, d, dst, offset);
    }
}
