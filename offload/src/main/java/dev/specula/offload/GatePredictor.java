package dev.specula.offload;

import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.MatMul;
import dev.specula.runtime.kernel.Weights;

/** W_gate resident: the "prediction" is the exact gate pre-activation. */
final class GatePredictor implements Predictor {
    private final ComputePool pool;
    private final Weights[] gate;

    GatePredictor(ComputePool pool, Weights[] gate) {
        this.pool = pool;
        this.gate = gate;
    }

    @Override
    public void gateScores(int layer, float[] x, float[] scores) {
        MatMul.matmul(pool, gate[layer], x, scores, 1);
    }

    @Override
    public long residentBytes() {
        long bytes = 0;
        for (Weights w : gate) {
            bytes += w.tensor().byteSize();
        }
        return bytes;
    }
}
