package dev.specula.runtime.engine;

import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.MatMul;
import dev.specula.runtime.kernel.VectorMath;
import dev.specula.runtime.kernel.Weights;
import dev.specula.runtime.kernel.WeightLayout;
import dev.specula.runtime.lora.LoraTarget;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.TensorNames;
import java.util.List;

/** SwiGLU feed-forward with every neuron resident: down(silu(gate x) * up x). */
public final class DenseFeedForward implements FeedForward {
    private final ComputePool pool;
    private final Weights[] gate;
    private final Weights[] up;
    private final Weights[] down;
    /** Per layer gate and up, multiplied in one call. */
    private final Weights[][] gateUp;
    private final float[][] gateUpOut;
    private final float[] hidden;
    private final float[] hiddenUp;

    /** Every neuron resident, its matrices copied into the faster layout where a type has one. */
    public DenseFeedForward(Model model, ComputePool pool, int maxBatch) {
        this(model, pool, maxBatch, WeightLayout.INTERLEAVED);
    }

    /** Every neuron resident, held as {@code layout} says. */
    public DenseFeedForward(Model model, ComputePool pool, int maxBatch, WeightLayout layout) {
        this.pool = pool;
        int layers = model.config().layers();
        gate = new Weights[layers];
        up = new Weights[layers];
        down = new Weights[layers];
        gateUp = new Weights[layers][];
        for (int l = 0; l < layers; l++) {
            gate[l] = layout.weights(model.tensor(TensorNames.ffnGate(l)));
            up[l] = layout.weights(model.tensor(TensorNames.ffnUp(l)));
            down[l] = layout.weights(model.tensor(TensorNames.ffnDown(l)));
            gateUp[l] = new Weights[] {gate[l], up[l]};
        }
        int hiddenDim = model.config().hiddenDim();
        hidden = new float[maxBatch * hiddenDim];
        hiddenUp = new float[maxBatch * hiddenDim];
        gateUpOut = new float[][] {hidden, hiddenUp};
    }

    @Override
    public List<Weights> matrices(int layer) {
        return List.of(gate[layer], up[layer], down[layer]);
    }

    @Override
    public void forward(int layer, float[] x, float[] out, int batch) {
        forward(layer, x, out, batch, null);
    }

    @Override
    public void forward(int layer, float[] x, float[] out, int batch, ProjectionDelta delta) {
        MatMul.matmul(pool, gateUp[layer], x, gateUpOut, batch);
        if (delta != null) {
            delta.apply(LoraTarget.GATE, layer, x, hidden, batch);
            delta.apply(LoraTarget.UP, layer, x, hiddenUp, batch);
        }
        VectorMath.swiglu(hidden, 0, hiddenUp, 0, batch * gate[layer].rows());
        MatMul.matmul(pool, down[layer], hidden, out, batch);
        if (delta != null) {
            delta.apply(LoraTarget.DOWN, layer, hidden, out, batch);
        }
    }
}
