package dev.specula.offload;

import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.MatMul;
import dev.specula.runtime.kernel.Weights;

/** {@code g ~ A (B x)} with the resident factors of {@link LowRankFactors}: O(rank * (dim + hidden)) per token. */
final class LowRankPredictor implements Predictor {
    private final ComputePool pool;
    private final Weights[] a;
    private final Weights[] b;
    private final float[] projected;

    LowRankPredictor(ComputePool pool, Weights[] a, Weights[] b) {
        this.pool = pool;
        this.a = a;
        this.b = b;
        this.projected = new float[b[0].rows()];
    }

    @Override
    public void gateScores(int layer, float[] x, float[] scores) {
        MatMul.matmul(pool, b[layer], x, projected, 1);
        MatMul.matmul(pool, a[layer], projected, scores, 1);
    }

    /** None beyond the model: the factors are resident tensors of the file, counted with them. */
    @Override
    public long residentBytes() {
        return 0;
    }
}
