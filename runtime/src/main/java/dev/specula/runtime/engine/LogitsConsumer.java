package dev.specula.runtime.engine;

/** Receives the logits after each token of a batch (for scoring, e.g. perplexity). */
@FunctionalInterface
public interface LogitsConsumer {
    /** {@code logits[offset .. offset + vocab)} are the logits following the {@code index}-th token given. */
    void accept(int index, float[] logits, int offset);
}
