package dev.specula.runtime.kernel;

import dev.specula.runtime.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;

/** bfloat16 weights (the top 16 bits of a float). */
final class BF16Weights extends HalfWeights {

    BF16Weights(Tensor tensor) {
        super(tensor);
    }

    @Override
    FloatVector widen(ShortVector w, int p) {
        return HalfFloats.bf16(w, p);
    }

    @Override
    float toFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }
}
