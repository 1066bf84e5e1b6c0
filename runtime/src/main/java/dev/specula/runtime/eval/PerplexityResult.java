package dev.specula.runtime.eval;

/**
 * @param perplexity   exp of the mean negative log-likelihood per scored token
 * @param meanNll      mean negative log-likelihood (nats per token)
 * @param scoredTokens predictions scored
 * @param chunks       windows the text was cut into
 */
public record PerplexityResult(double perplexity, double meanNll, long scoredTokens, int chunks) {
}
