package dev.specula.runtime.generate;

import dev.specula.runtime.uncertainty.UncertaintySummary;

/**
 * The outcome of one generation.
 *
 * @param text            generated text (stop string excluded)
 * @param promptTokens    tokens in the prompt, BOS included
 * @param generatedTokens tokens sampled
 * @param finishReason    why it ended
 * @param promptNanos     time spent processing the prompt
 * @param decodeNanos     time spent generating after the prompt
 * @param uncertainty     how sure the model was over the generated tokens
 */
public record GenerationResult(String text, int promptTokens, int generatedTokens, FinishReason finishReason,
                               long promptNanos, long decodeNanos, UncertaintySummary uncertainty) {

    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : promptTokens * 1e9 / promptNanos;
    }

    /** Decode speed; the first generated token comes from the prompt pass, so it is not counted here. */
    public double decodeTokensPerSecond() {
        return decodeNanos == 0 || generatedTokens < 2 ? 0 : (generatedTokens - 1) * 1e9 / decodeNanos;
    }
}
