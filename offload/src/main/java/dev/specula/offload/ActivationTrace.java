package dev.specula.offload;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.engine.CpuAttention;
import dev.specula.runtime.engine.FeedForward;
import dev.specula.runtime.engine.Session;
import dev.specula.runtime.engine.Transformer;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.tokenizer.Tokenizer;

/**
 * The normalised feed-forward inputs of every layer for the first tokens of a text, recorded by
 * running the model once: what predictor thresholds are calibrated and evaluated on.
 *
 * @param inputs per layer, {@code tokens * dim} floats
 */
record ActivationTrace(int tokens, int dim, float[][] inputs) {

    static ActivationTrace record(Model model, FeedForward feedForward, ComputePool pool, String text, int maxTokens) {
        Tokenizer tokenizer = model.tokenizer();
        int[] encoded = tokenizer.encode(text);
        int context = Math.min(model.config().contextLength(), maxTokens);
        int n = Math.min(encoded.length + 1, context);
        if (n < 2) {
            throw new SpeculaException("calibration text is too short: " + encoded.length + " tokens");
        }
        int[] window = new int[n];
        window[0] = tokenizer.bos() >= 0 ? tokenizer.bos() : encoded[0];
        System.arraycopy(encoded, 0, window, 1, n - 1);
        int dim = model.config().dim();
        float[][] inputs = new float[model.config().layers()][n * dim];
        int[] seen = new int[model.config().layers()];
        FeedForward recording = new RecordingFeedForward(feedForward, dim, (layer, x, offset) -> {
            System.arraycopy(x, offset, inputs[layer], seen[layer] * dim, dim);
            seen[layer]++;
        });
        Transformer transformer = new Transformer(model, pool, recording, 32);
        try (Session session = transformer.newSession(CpuAttention.factory(pool), n)) {
            transformer.forward(session, window, 0, n);
        }
        return new ActivationTrace(n, dim, inputs);
    }

    /** Token {@code t}'s input of layer {@code layer}, copied to {@code dst}. */
    void input(int layer, int t, float[] dst) {
        System.arraycopy(inputs[layer], t * dim, dst, 0, dim);
    }
}
