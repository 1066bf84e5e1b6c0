package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.INTS;
import static dev.specula.runtime.kernel.Species.LANES;

import dev.specula.runtime.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * F16 in {@link InterleavedHalfWeights}' layout. Each half, at the top of its lane (the low one shifted there), is
 * shifted right by 3 arithmetically and masked ({@link #HALF_BITS}): a float of the fp16's value times 2^-112,
 * subnormals included. The 2^112 is not multiplied
 * back per vector (that multiply took the one-row loop from 28 to 59 us for a 512x2048 matrix in cache, one thread,
 * and from 0.89 to 1.40 ms streaming 5632x2048): the activations are taken times 2^56 ({@link ScaledActivations})
 * and the sums times 2^56 once per group. Split so, only activations from 2^72 up overflow (an fp16 holds none
 * above 65504) and only products below 2^-70 lose bits to subnormals.
 */
final class InterleavedF16Weights extends InterleavedHalfWeights {

    /** {@link #HALF_BITS} for the high half, whose shift leaves the low half's bits below the mantissa. */
    private static final int HIGH_HALF_BITS = HALF_BITS & -(1 << 13);
    private static final float ACTIVATION_SCALE = 0x1p56f;
    private static final float SUM_SCALE = HALF_EXPONENT_BIAS / ACTIVATION_SCALE;

    InterleavedF16Weights(Tensor tensor) {
        super(tensor);
    }

    @Override
    float[] activations(float[] x, int batch, Object owner, long product) {
        return ScaledActivations.ofProduct(owner, product, x, cols, batch, ACTIVATION_SCALE);
    }

    /** Two columns a step, each with sums of its own: an FMA's latency would otherwise bound the loop in cache. */
    @Override
    void dot(long at, float[] x, int row, float[] out, int o) {
        int k = row * cols;
        FloatVector low0 = FloatVector.zero(FLOATS);
        FloatVector high0 = FloatVector.zero(FLOATS);
        FloatVector low1 = FloatVector.zero(FLOATS);
        FloatVector high1 = FloatVector.zero(FLOATS);
        for (int c = 0; c < cols; c += 2, at += 2 * LINE) {
            IntVector v = IntVector.fromMemorySegment(INTS, data, at, ORDER);
            FloatVector xc = FloatVector.broadcast(FLOATS, x[k + c]);
            low0 = v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(HALF_BITS).reinterpretAsFloats().fma(xc, low0);
            high0 = v.lanewise(VectorOperators.ASHR, 3).and(HIGH_HALF_BITS).reinterpretAsFloats().fma(xc, high0);
            v = IntVector.fromMemorySegment(INTS, data, at + LINE, ORDER);
            xc = FloatVector.broadcast(FLOATS, x[k + c + 1]);
            low1 = v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(HALF_BITS).reinterpretAsFloats().fma(xc, low1);
            high1 = v.lanewise(VectorOperators.ASHR, 3).and(HIGH_HALF_BITS).reinterpretAsFloats().fma(xc, high1);
        }
        low0.add(low1).mul(SUM_SCALE).intoArray(out, o);
        high0.add(high1).mul(SUM_SCALE).intoArray(out, o + LANES);
    }

    @Override
    void dot4(long at, float[] x, int b1, int b2, int b3, float[] out, int o0, int o1, int o2, int o3) {
        int k1 = b1 * cols;
        int k2 = b2 * cols;
        int k3 = b3 * cols;
        FloatVector low0 = FloatVector.zero(FLOATS);
        FloatVector high0 = FloatVector.zero(FLOATS);
        FloatVector low1 = FloatVector.zero(FLOATS);
        FloatVector high1 = FloatVector.zero(FLOATS);
        FloatVector low2 = FloatVector.zero(FLOATS);
        FloatVector high2 = FloatVector.zero(FLOATS);
        FloatVector low3 = FloatVector.zero(FLOATS);
        FloatVector high3 = FloatVector.zero(FLOATS);
        for (int c = 0; c < cols; c++, at += LINE) {
            IntVector v = IntVector.fromMemorySegment(INTS, data, at, ORDER);
            FloatVector low = v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(HALF_BITS).reinterpretAsFloats();
            FloatVector high = v.lanewise(VectorOperators.ASHR, 3).and(HIGH_HALF_BITS).reinterpretAsFloats();
            FloatVector xc = FloatVector.broadcast(FLOATS, x[c]);
            low0 = low.fma(xc, low0);
            high0 = high.fma(xc, high0);
            xc = FloatVector.broadcast(FLOATS, x[k1 + c]);
            low1 = low.fma(xc, low1);
            high1 = high.fma(xc, high1);
            xc = FloatVector.broadcast(FLOATS, x[k2 + c]);
            low2 = low.fma(xc, low2);
            high2 = high.fma(xc, high2);
            xc = FloatVector.broadcast(FLOATS, x[k3 + c]);
            low3 = low.fma(xc, low3);
            high3 = high.fma(xc, high3);
        }
        low0.mul(SUM_SCALE).intoArray(out, o0);
        high0.mul(SUM_SCALE).intoArray(out, o0 + LANES);
        low1.mul(SUM_SCALE).intoArray(out, o1);
        high1.mul(SUM_SCALE).intoArray(out, o1 + LANES);
        low2.mul(SUM_SCALE).intoArray(out, o2);
        high2.mul(SUM_SCALE).intoArray(out, o2 + LANES);
        low3.mul(SUM_SCALE).intoArray(out, o3);
        high3.mul(SUM_SCALE).intoArray(out, o3 + LANES);
    }

    @Override
    void decodeGroup(long at, float[] dst) {
        for (int c = 0; c < cols; c++, at += LINE) {
            IntVector v = IntVector.fromMemorySegment(INTS, data, at, ORDER);
            v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS).intoArray(dst, c * GROUP);
            v.lanewise(VectorOperators.ASHR, 3).and(HIGH_HALF_BITS).reinterpretAsFloats().mul(HALF_EXPONENT_BIAS).intoArray(dst, c * GROUP + LANES);
        }
    }

    @Override
    float value(short bits) {
        return Float.float16ToFloat(bits);
    }
}
