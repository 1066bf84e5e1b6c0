package dev.specula.runtime.kernel;

import dev.specula.runtime.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;

/** IEEE half-precision weights. */
final class F16Weights extends HalfWeights {

    F16Weights(Tensor tensor) {
        super(tensor);
    }

    @Override
    FloatVector widen(ShortVector w, int p) {
        return HalfFloats.fp16(w, p);
    }

    @Override
    float toFloat(short bits) {
        return Float.float16ToFloat(bits);
    }
}
