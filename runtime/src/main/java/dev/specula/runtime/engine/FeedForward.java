package dev.specula.runtime.engine;

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
}
