package dev.specula.runtime.kernel;

import jdk.incubator.vector.FloatVector;

import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.LANES;

/**
 * Vectorised log-space reductions over a vocabulary, for per-token uncertainty of ensembles:
 * K members times a 32k vocabulary is too many scalar {@code Math.exp} calls per token.
 * Sums accumulate in float lanes (relative error ~1e-6), enough for entropies in nats.
 */
public final class LogProbKernels {
    private LogProbKernels() {
    }

    /**
     * With {@code m} = max of {@code x[off ..+n)}: writes {@code out[0] = m},
     * {@code out[1] = sum_i exp(x_i - m)} and {@code out[2] = sum_i exp(x_i - m) (x_i - m)}, from which
     * {@code logSumExp = m + log out[1]} and entropy {@code H = log out[1] - out[2] / out[1]}.
     */
    public static void expMoments(float[] x, int off, int n, double[] out) {
        float m = x[off + VectorMath.argmax(x, off, n)];
        FloatVector mv = FloatVector.broadcast(FLOATS, m);
        FloatVector s0 = FloatVector.zero(FLOATS);
        FloatVector s1 = FloatVector.zero(FLOATS);
        int i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector d = FloatVector.fromArray(FLOATS, x, off + i).sub(mv);
            FloatVector e = VectorMath.exp(d);
            s0 = s0.add(e);
            s1 = e.fma(d, s1);
        }
        double sum0 = VectorMath.sumLanes(s0);
        double sum1 = VectorMath.sumLanes(s1);
        for (; i < n; i++) {
            double d = x[off + i] - m;
            double e = Math.exp(d);
            sum0 += e;
            sum1 += e * d;
        }
        out[0] = m;
        out[1] = sum0;
        out[2] = sum1;
    }

    /**
     * {@code out[v] = log sum_k exp(x[k*n + v] + shift[k])} for {@code v < n}, around the largest term
     * so that nothing underflows: the log of a mixture when {@code shift[k] = log pi_k - logSumExp_k}.
     */
    public static void logMixture(float[] x, int n, float[] shift, int members, float[] out) {
        int v = 0;
        for (; v <= n - LANES; v += LANES) {
            FloatVector max = FloatVector.fromArray(FLOATS, x, v).add(shift[0]);
            for (int k = 1; k < members; k++) {
                max = max.max(FloatVector.fromArray(FLOATS, x, k * n + v).add(shift[k]));
            }
            FloatVector sum = FloatVector.zero(FLOATS);
            for (int k = 0; k < members; k++) {
                sum = sum.add(VectorMath.exp(FloatVector.fromArray(FLOATS, x, k * n + v).add(shift[k]).sub(max)));
            }
            max.add(VectorMath.log(sum)).intoArray(out, v);
        }
        for (; v < n; v++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int k = 0; k < members; k++) {
                max = Math.max(max, x[k * n + v] + shift[k]);
            }
            double sum = 0;
            for (int k = 0; k < members; k++) {
                sum += Math.exp(x[k * n + v] + shift[k] - max);
            }
            out[v] = (float) (max + Math.log(sum));
        }
    }
}
