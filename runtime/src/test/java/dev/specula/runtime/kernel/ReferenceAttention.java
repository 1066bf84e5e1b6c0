package dev.specula.runtime.kernel;

/** Softmax attention of one query head, computed plainly in double precision: what attention kernels are tested against. */
public final class ReferenceAttention {

    private ReferenceAttention() {
    }

    /**
     * softmax(q.k / sqrt(headDim)) of the query {@code q[qOff .. + headDim)} over {@code positions} keys, position
     * {@code p}'s at {@code keys[p * kvStride + kvOff ..]}.
     */
    public static double[] weights(float[] q, int qOff, float[] keys, int kvOff, int kvStride, int positions,
                                   int headDim) {
        double[] weights = new double[positions];
        double max = Double.NEGATIVE_INFINITY;
        for (int p = 0; p < positions; p++) {
            double s = 0;
            for (int i = 0; i < headDim; i++) {
                s += (double) q[qOff + i] * keys[p * kvStride + kvOff + i];
            }
            weights[p] = s / Math.sqrt(headDim);
            max = Math.max(max, weights[p]);
        }
        double sum = 0;
        for (int p = 0; p < positions; p++) {
            weights[p] = Math.exp(weights[p] - max);
            sum += weights[p];
        }
        for (int p = 0; p < positions; p++) {
            weights[p] /= sum;
        }
        return weights;
    }

    /** The values weighted by {@code weights}: {@code sum_p weights[p] * values[p * kvStride + kvOff + i]}. */
    public static double[] output(double[] weights, float[] values, int kvOff, int kvStride, int headDim) {
        double[] out = new double[headDim];
        for (int i = 0; i < headDim; i++) {
            for (int p = 0; p < weights.length; p++) {
                out[i] += weights[p] * values[p * kvStride + kvOff + i];
            }
        }
        return out;
    }

    /** Rounds every value to the nearest IEEE half float, as an F16 cache stores it. */
    public static void roundToHalf(float[] a) {
        for (int i = 0; i < a.length; i++) {
            a[i] = Float.float16ToFloat(Float.floatToFloat16(a[i]));
        }
    }
}
