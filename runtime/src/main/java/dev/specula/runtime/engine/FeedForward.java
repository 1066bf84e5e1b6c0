package dev.specula.runtime.engine;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.kernel.Weights;
import dev.specula.runtime.lora.LoraTarget;
import java.util.List;

/**
 * The feed-forward half of a transformer block. The dense implementation lives here; the
 * offload module supplies a sparse one that streams only the active neurons from flash.
 */
public interface FeedForward {

    /**
     * For each {@code b < batch}: {@code out[b*dim ..] = FFN_layer(x[b*dim ..])}, where {@code x} is
     * already normalised. {@code out} is overwritten, not accumulated.
     */
    void forward(int layer, float[] x, float[] out, int batch);

    /**
     * The matrices of layer {@code layer} it holds in memory and multiplies every token; none where they stream from
     * flash.
     */
    default List<Weights> matrices(int layer) {
        return List.of();
    }

    /**
     * Like {@link #forward(int, float[], float[], int)} with {@code delta} (may be null) added after
     * the gate, up and down projections. Implementations that cannot apply it refuse adapters
     * targeting them rather than silently ignoring them.
     */
    default void forward(int layer, float[] x, float[] out, int batch, ProjectionDelta delta) {
        if (delta != null && (delta.modifies(LoraTarget.GATE) || delta.modifies(LoraTarget.UP)
                || delta.modifies(LoraTarget.DOWN))) {
            throw new SpeculaException(getClass().getSimpleName()
                    + " cannot apply LoRA adapters to gate/up/down; use attention targets (q,k,v,o) or the dense feed-forward");
        }
        forward(layer, x, out, batch);
    }
}
