package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.Species.BYTES;
import static dev.specula.runtime.kernel.Species.BYTE_PARTS;
import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.LANES;

import dev.specula.runtime.tensor.Tensor;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q8_0, read in place: blocks of 32 values, each an fp16 scale {@code d} then 32 int8
 * {@code q}; value = d * q.
 */
final class Q8_0Weights extends RowMajorWeights {

    private static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 2 + BLOCK;

    Q8_0Weights(Tensor tensor) {
        super(tensor);
    }

    @Override
    float dot(long rowOffset, float[] x, int xOffset) {
        // Two blocks per iteration into separate accumulators; within a block the int8 products
        // are summed unscaled and the scale applied once, so per value there is a widen and an FMA.
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        int blocks = cols / BLOCK;
        long at = rowOffset;
        int xi = xOffset;
        int b = 0;
        for (; b + 1 < blocks; b += 2, at += 2 * BLOCK_BYTES, xi += 2 * BLOCK) {
            acc0 = block(at, x, xi, acc0);
            acc1 = block(at + BLOCK_BYTES, x, xi + BLOCK, acc1);
        }
        if (b < blocks) {
            acc0 = block(at, x, xi, acc0);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    private FloatVector block(long at, float[] x, int xi, FloatVector acc) {
        float d = Float.float16ToFloat(data.get(SHORT, at));
        FloatVector sum = FloatVector.zero(FLOATS);
        for (int j = 0; j < BLOCK; j += BYTES.length()) {
            ByteVector q = ByteVector.fromMemorySegment(BYTES, data, at + 2 + j, ORDER);
            for (int p = 0; p < BYTE_PARTS; p++) {
                FloatVector w = (FloatVector) q.convertShape(VectorOperators.B2F, FLOATS, p);
                sum = w.fma(FloatVector.fromArray(FLOATS, x, xi + j + p * LANES), sum);
            }
        }
        return sum.fma(FloatVector.broadcast(FLOATS, d), acc);
    }

    @Override
    void dot4(long rowOffset, float[] x, int xOffset, float[] out, int outIndex, int outStride) {
        // Widening int8 to float is the costly part: do it once per weight for all four rows.
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        FloatVector acc2 = FloatVector.zero(FLOATS);
        FloatVector acc3 = FloatVector.zero(FLOATS);
        int blocks = cols / BLOCK;
        long at = rowOffset;
        int xi = xOffset;
        for (int b = 0; b < blocks; b++, at += BLOCK_BYTES, xi += BLOCK) {
            FloatVector s0 = FloatVector.zero(FLOATS);
            FloatVector s1 = FloatVector.zero(FLOATS);
            FloatVector s2 = FloatVector.zero(FLOATS);
            FloatVector s3 = FloatVector.zero(FLOATS);
            for (int j = 0; j < BLOCK; j += BYTES.length()) {
                ByteVector q = ByteVector.fromMemorySegment(BYTES, data, at + 2 + j, ORDER);
                for (int p = 0; p < BYTE_PARTS; p++) {
                    FloatVector w = (FloatVector) q.convertShape(VectorOperators.B2F, FLOATS, p);
                    int o = xi + j + p * LANES;
                    s0 = w.fma(FloatVector.fromArray(FLOATS, x, o), s0);
                    s1 = w.fma(FloatVector.fromArray(FLOATS, x, o + cols), s1);
                    s2 = w.fma(FloatVector.fromArray(FLOATS, x, o + 2 * cols), s2);
                    s3 = w.fma(FloatVector.fromArray(FLOATS, x, o + 3 * cols), s3);
                }
            }
            FloatVector d = FloatVector.broadcast(FLOATS, Float.float16ToFloat(data.get(SHORT, at)));
            acc0 = s0.fma(d, acc0);
            acc1 = s1.fma(d, acc1);
            acc2 = s2.fma(d, acc2);
            acc3 = s3.fma(d, acc3);
        }
        out[outIndex] = acc0.reduceLanes(VectorOperators.ADD);
        out[outIndex + outStride] = acc1.reduceLanes(VectorOperators.ADD);
        out[outIndex + 2 * outStride] = acc2.reduceLanes(VectorOperators.ADD);
        out[outIndex + 3 * outStride] = acc3.reduceLanes(VectorOperators.ADD);
    }

    @Override
    void dequantize(long rowOffset, float[] dst, int offset) {
        long at = rowOffset;
        for (int i = 0; i < cols; i += BLOCK, at += BLOCK_BYTES) {
            FloatVector d = FloatVector.broadcast(FLOATS, Float.float16ToFloat(data.get(SHORT, at)));
            for (int j = 0; j < BLOCK; j += BYTES.length()) {
                ByteVector q = ByteVector.fromMemorySegment(BYTES, data, at + 2 + j, ORDER);
                for (int p = 0; p < BYTE_PARTS; p++) {
                    ((FloatVector) q.convertShape(VectorOperators.B2F, FLOATS, p)).mul(d)
                            .intoArray(dst, offset + i + j + p * LANES);
                }
            }
        }
    }
}
