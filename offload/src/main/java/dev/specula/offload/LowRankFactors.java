package dev.specula.offload;

import java.util.SplittableRandom;

/**
 * A rank-{@code r} approximation {@code W ~ A B} of a {@code rows x cols} matrix by randomized range
 * finding (Halko, Martinsson, Tropp 2011): {@code Q = orth(W Omega)} refined by power iterations
 * {@code Q = orth(W W^T Q)}, then {@code A = Q}, {@code B = Q^T W}. Q spans W's dominant left
 * singular subspace, so {@code Q Q^T W} is close to the truncated SVD at a fraction of its cost.
 * Plain Java in double precision: run once per layer at convert time.
 *
 * @param a rows x rank, row-major
 * @param b rank x cols, row-major
 */
record LowRankFactors(int rows, int cols, int rank, float[] a, float[] b) {
    static final int POWER_ITERATIONS = 2;

    static LowRankFactors of(float[] w, int rows, int cols, int rank, long seed) {
        int r = Math.min(rank, Math.min(rows, cols));
        SplittableRandom random = new SplittableRandom(seed);
        double[][] omega = new double[r][cols];
        for (double[] v : omega) {
            for (int j = 0; j < cols; j++) {
                v[j] = gaussian(random);
            }
        }
        double[][] q = orthonormalize(times(w, rows, cols, omega));
        for (int it = 0; it < POWER_ITERATIONS; it++) {
            q = orthonormalize(times(w, rows, cols, orthonormalize(transposeTimes(w, rows, cols, q))));
        }
        double[][] bt = transposeTimes(w, rows, cols, q); // r vectors of length cols: rows of B = Q^T W
        float[] a = new float[rows * r];
        float[] b = new float[r * cols];
        for (int k = 0; k < r; k++) {
            for (int i = 0; i < rows; i++) {
                a[i * r + k] = (float) q[k][i];
            }
            for (int j = 0; j < cols; j++) {
                b[k * cols + j] = (float) bt[k][j];
            }
        }
        return new LowRankFactors(rows, cols, r, a, b);
    }

    /** For each vector v (length cols): W v (length rows). */
    private static double[][] times(float[] w, int rows, int cols, double[][] vs) {
        double[][] out = new double[vs.length][rows];
        for (int k = 0; k < vs.length; k++) {
            for (int i = 0; i < rows; i++) {
                double s = 0;
                for (int j = 0; j < cols; j++) {
                    s += w[i * cols + j] * vs[k][j];
                }
                out[k][i] = s;
            }
        }
        return out;
    }

    /** For each vector v (length rows): W^T v (length cols). */
    private static double[][] transposeTimes(float[] w, int rows, int cols, double[][] vs) {
        double[][] out = new double[vs.length][cols];
        for (int k = 0; k < vs.length; k++) {
            for (int i = 0; i < rows; i++) {
                double vi = vs[k][i];
                for (int j = 0; j < cols; j++) {
                    out[k][j] += w[i * cols + j] * vi;
                }
            }
        }
        return out;
    }

    /** Modified Gram-Schmidt, twice for stability; a vector that vanishes is left zero. */
    private static double[][] orthonormalize(double[][] vs) {
        for (int pass = 0; pass < 2; pass++) {
            for (int k = 0; k < vs.length; k++) {
                for (int p = 0; p < k; p++) {
                    double d = dot(vs[p], vs[k]);
                    for (int i = 0; i < vs[k].length; i++) {
                        vs[k][i] -= d * vs[p][i];
                    }
                }
                double n = Math.sqrt(dot(vs[k], vs[k]));
                for (int i = 0; i < vs[k].length; i++) {
                    vs[k][i] = n > 1e-30 ? vs[k][i] / n : 0;
                }
            }
        }
        return vs;
    }

    private static double dot(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }

    private static double gaussian(SplittableRandom random) {
        double u = random.nextDouble(Double.MIN_VALUE, 1);
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
