package dev.specula.offload;

/**
 * Predicts, before any feed-forward weight is read, each neuron's gate pre-activation for the
 * normalised input {@code x}; a neuron is read and computed when {@link #fires} says its SwiGLU
 * gate |silu(g)| reaches the layer's calibrated threshold.
 */
public interface Predictor {

    /** {@code scores[i]} = predicted gate pre-activation of neuron {@code i}, for {@code i < hidden}. */
    void gateScores(int layer, float[] x, float[] scores);

    /** Bytes this predictor keeps in memory beyond the model's resident tensors. */
    long residentBytes();

    static float silu(float g) {
        return g / (1f + (float) Math.exp(-g));
    }

    static boolean fires(float score, float threshold) {
        return Math.abs(silu(score)) >= threshold;
    }
}
