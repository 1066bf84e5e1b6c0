package dev.specula.runtime.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.LANES;

/**
 * Vectorised log-space reductions over a vocabulary, for per-token uncertainty of ensembles:
 * K members times a 32k vocabulary is too many scalar {@code Math.exp} calls per token.
 * Sums accumulate in float lanes (relative error ~1e-6), enough for entropies in nats.
 */
public final class LogProbKernels {
    /** Vocabulary entries per chunk, a multiple of any lane count. */
    private static final int CHUNK = 1024;
    private static final ThreadScratch EXPS = new ThreadScratch();
    private static final ThreadScratch TERMS = new ThreadScratch();

    private LogProbKernels() {
    }

    /**
     * With {@code m} = max of {@code x[off ..+n)}: writes {@code out[0] = m},
     * {@code out[1] = sum_i exp(x_i - m)} and {@code out[2] = sum_i exp(x_i - m) (x_i - m)}, from which
     * {@code logSumExp = m + log out[1]} and entropy {@code H = log out[1] - out[2] / out[1]}.
     */
    public static void expMoments(float[] x, int off, int n, double[] out) {
        float m = VectorMath.max(x, off, n);
        FloatVector mv = FloatVector.broadcast(FLOATS, m);
        FloatVector s0 = FloatVector.zero(FLOATS);
        FloatVector s1 = FloatVector.zero(FLOATS);
        float[] e = EXPS.atLeast(Math.min(n, CHUNK));
        double tail0 = 0;
        double tail1 = 0;
        for (int from = 0; from < n; from += CHUNK) {
            int len = Math.min(CHUNK, n - from);
            int x0 = off + from;
            System.arraycopy(x, x0, e, 0, len);
            VectorMath.exp(e, 0, len, 1f, -m);
            int i = 0;
            for (; i <= len - LANES; i += LANES) {
                FloatVector d = FloatVector.fromArray(FLOATS, x, x0 + i).sub(mv);
                FloatVector ei = FloatVector.fromArray(FLOATS, e, i);
                s0 = s0.add(ei);
                s1 = ei.fma(d, s1);
            }
            for (; i < len; i++) {
                tail0 += e[i];
                tail1 += (double) e[i] * (x[x0 + i] - m);
            }
        }
        out[0] = m;
        out[1] = VectorMath.sumLanes(s0) + tail0;
        out[2] = VectorMath.sumLanes(s1) + tail1;
    }

    /**
     * {@code out[v] = log sum_k exp(x[k*n + v] + shift[k])} for {@code v < n}, around the largest term
     * so that nothing underflows: the log of a mixture when {@code shift[k] = log pi_k - logSumExp_k}.
     * In chunks: the maxima go to {@code out}, each member's terms through this thread's buffer.
     */
    public static void logMixture(float[] x, int n, float[] shift, int members, float[] out) {
        float[] buffer = TERMS.atLeast(2 * CHUNK);
        for (int from = 0; from < n; from += CHUNK) {
            int len = Math.min(CHUNK, n - from);
            int v = from;
            for (; v <= from + len - LANES; v += LANES) {
                FloatVector max = FloatVector.fromArray(FLOATS, x, v).add(shift[0]);
                for (int k = 1; k < members; k++) {
                    max = max.max(FloatVector.fromArray(FLOATS, x, k * n + v).add(shift[k]));
                }
                max.intoArray(out, v);
            }
            for (; v < from + len; v++) {
                out[v] = x[v] + shift[0];
                for (int k = 1; k < members; k++) {
                    out[v] = Math.max(out[v], x[k * n + v] + shift[k]);
                }
            }
            Arrays.fill(buffer, 0, len, 0f);
            for (int k = 0; k < members; k++) {
                int j = 0;
                for (; j <= len - LANES; j += LANES) {
                    FloatVector.fromArray(FLOATS, x, k * n + from + j).add(shift[k])
                            .sub(FloatVector.fromArray(FLOATS, out, from + j)).intoArray(buffer, CHUNK + j);
                }
                for (; j < len; j++) {
                    buffer[CHUNK + j] = x[k * n + from + j] + shift[k] - out[from + j];
                }
                VectorMath.exp(buffer, CHUNK, len, 1f, 0f);
                VectorMath.add(buffer, 0, buffer, CHUNK, len);
            }
            VectorMath.log(buffer, 0, len);
            VectorMath.add(out, from, buffer, 0, len);
        }
    }
}
