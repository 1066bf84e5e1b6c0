package dev.specula.runtime.kernel;

/**
 * The low-rank update of one LoRA projection for one activation row:
 * {@code y += scale * B (A x)} with A {@code rank x in} and B stored transposed ({@code rank x out}),
 * so both halves are contiguous vector loops: {@code rank} dot products of length {@code in},
 * then {@code rank} axpys of length {@code out}.
 */
public final class LoraKernel {
    private LoraKernel() {
    }

    /**
     * {@code y[yOff ..+out) += scale * Bt^T (A x[xOff ..+in))}; {@code t[tOff ..+rank)} is scratch.
     * Pure function of its arguments: rows of a batch may run on different threads with disjoint scratch.
     */
    public static void apply(float[] a, float[] bt, int rank, int in, int out, float scale,
                             float[] x, int xOff, float[] y, int yOff, float[] t, int tOff) {
        for (int j = 0; j < rank; j++) {
            t[tOff + j] = scale * VectorMath.dot(a, j * in, x, xOff, in);
        }
        for (int j = 0; j < rank; j++) {
            VectorMath.axpy(t[tOff + j], bt, j * out, y, yOff, out);
        }
    }

    /** {@code B} ({@code out x rank}, row-major) transposed to {@code rank x out}, the layout {@link #apply} reads. */
    public static float[] transpose(float[] b, int out, int rank) {
        float[] bt = new float[b.length];
        for (int o = 0; o < out; o++) {
            for (int j = 0; j < rank; j++) {
                bt[j * out + o] = b[o * rank + j];
            }
        }
        return bt;
    }
}
