package dev.specula.offload;

/**
 * Per-layer thresholds on |silu(score)| such that a given fraction of (token, neuron) pairs of a
 * calibration trace fall below them: the predictor then skips about that fraction of neurons.
 */
final class ThresholdCalibration {
    /** Sparsity settings calibrated at convert time (fraction of neurons not read). */
    static final float[] DEFAULT_SPARSITIES = {0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f};

    private ThresholdCalibration() {
    }

    /** Thresholds laid out per setting then per layer, as {@link FlashLayout} stores them. */
    static float[] thresholds(ActivationTrace trace, Predictor predictor, int layers, int hidden, float[] sparsities) {
        float[] out = new float[sparsities.length * layers];
        float[] x = new float[trace.dim()];
        float[] scores = new float[hidden];
        float[] magnitudes = new float[trace.tokens() * hidden];
        for (int l = 0; l < layers; l++) {
            for (int t = 0; t < trace.tokens(); t++) {
                trace.input(l, t, x);
                predictor.gateScores(l, x, scores);
                for (int i = 0; i < hidden; i++) {
                    magnitudes[t * hidden + i] = Math.abs(Predictor.silu(scores[i]));
                }
            }
            float[] q = Quantiles.of(magnitudes, magnitudes.length, sparsities);
            for (int s = 0; s < sparsities.length; s++) {
                out[s * layers + l] = q[s];
            }
        }
        return out;
    }
}
