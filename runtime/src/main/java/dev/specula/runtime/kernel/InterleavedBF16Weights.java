package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.INTS;
import static dev.specula.runtime.kernel.Species.LANES;

import dev.specula.runtime.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * BF16 in {@link InterleavedHalfWeights}' layout. A bf16 is a float's high half: the low rows' values become floats
 * by a shift, the high rows' by a mask, exactly.
 */
final class InterleavedBF16Weights extends InterleavedHalfWeights {

    private static final int HIGH_HALF = 0xffff0000;

    InterleavedBF16Weights(Tensor tensor) {
        super(tensor);
    }

    @Override
    float[] activations(float[] x, int batch, Object owner, long product) {
        return x;
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
            low0 = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xc, low0);
            high0 = v.and(HIGH_HALF).reinterpretAsFloats().fma(xc, high0);
            v = IntVector.fromMemorySegment(INTS, data, at + LINE, ORDER);
            xc = FloatVector.broadcast(FLOATS, x[k + c + 1]);
            low1 = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xc, low1);
            high1 = v.and(HIGH_HALF).reinterpretAsFloats().fma(xc, high1);
        }
        low0.add(low1).intoArray(out, o);
        high0.add(high1).intoArray(out, o + LANES);
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
            FloatVector low = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector high = v.and(HIGH_HALF).reinterpretAsFloats();
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
        low0.intoArray(out, o0);
        high0.intoArray(out, o0 + LANES);
        low1.intoArray(out, o1);
        high1.intoArray(out, o1 + LANES);
        low2.intoArray(out, o2);
        high2.intoArray(out, o2 + LANES);
        low3.intoArray(out, o3);
        high3.intoArray(out, o3 + LANES);
    }

    @Override
    void decodeGroup(long at, float[] dst) {
        for (int c = 0; c < cols; c++, at += LINE) {
            IntVector v = IntVector.fromMemorySegment(INTS, data, at, ORDER);
            v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, c * GROUP);
            v.and(HIGH_HALF).reinterpretAsFloats().intoArray(dst, c * GROUP + LANES);
        }
    }

    @Override
    float value(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }
}
