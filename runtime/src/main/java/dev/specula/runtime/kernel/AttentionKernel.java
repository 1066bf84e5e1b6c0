package dev.specula.runtime.kernel;

import java.util.Arrays;

/** Scaled dot-product attention of one query head over a key/value cache. */
public final class AttentionKernel {

    private AttentionKernel() {
    }

    /**
     * One query head {@code q[qOff .. qOff + headDim)} attending over {@code positions} cached
     * positions: position {@code p}'s key is {@code keys[p * kvStride + kvOff .. + headDim)}, its
     * value likewise in {@code values}. Writes softmax(q.k / sqrt(headDim)) to
     * {@code scores[scoresOff .. + positions)} and the weighted sum of values to
     * {@code out[outOff .. + headDim)} (overwritten, not accumulated).
     */
    public static void attendHead(float[] q, int qOff, float[] keys, float[] values, int kvOff, int kvStride,
                                  int positions, int headDim, float[] scores, int scoresOff, float[] out, int outOff) {
        float scale = (float) (1.0 / Math.sqrt(headDim));
        for (int p = 0; p < positions; p++) {
            scores[scoresOff + p] = VectorMath.dot(q, qOff, keys, p * kvStride + kvOff, headDim) * scale;
        }
        VectorMath.softmax(scores, scoresOff, positions);
        Arrays.fill(out, outOff, outOff + headDim, 0f);
        for (int p = 0; p < positions; p++) {
            VectorMath.axpy(scores[scoresOff + p], values, p * kvStride + kvOff, out, outOff, headDim);
        }
    }
}
