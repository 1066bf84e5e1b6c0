package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.QuantBlocks.HALF;

import dev.specula.runtime.tensor.Tensor;
import jdk.incubator.vector.FloatVector;

/**
 * ggml Q4_0, read in place: blocks of 32 values, each an fp16 scale {@code d} then 16 bytes whose
 * low nibbles are values 0..15 and high nibbles values 16..31; value = d * (nibble - 8).
 */
final class Q4_0Weights extends ScaledBlockWeights {

    Q4_0Weights(Tensor tensor) {
        super(tensor, HALF);
    }

    @Override
    FloatVector blockDot(long at, float d, float[] x, int xi, FloatVector acc) {
        return QuantBlocks.q4Dot(data, at, d, x, xi, acc);
    }

    @Override
    void blockDecode(long at, float d, float[] dst, int offset) {
        QuantBlocks.q4Decode(data, at, d, dst, offset);
    }
}
