package dev.specula.runtime.uncertainty;

/** A candidate token and its log-probability, as reported by logprobs/top_logprobs. */
public record Alternative(int id, double logprob) {
}
