package dev.specula.runtime.training;

/**
 * Ensemble quality on a data set, per scored token unless said otherwise.
 *
 * @param examples             examples scored
 * @param tokens               next-token predictions scored
 * @param mixturePerplexity    exp of the mean NLL of the prior-weighted mixture sum_k pi_k p_k
 * @param memberPerplexity     the same for each member alone
 * @param mutualInformation    mean of H(mixture) - sum_k pi_k H(p_k) in nats (epistemic disagreement)
 * @param meanRouting          per member, the mean over examples of its posterior routing weight
 *                             w_k = softmax_k(log pi_k + l_k) (the alpha = 0 routing of the whole sequence)
 * @param routingEntropy       mean entropy in nats of those posteriors
 * @param routingWins          per member, the share of examples where it has the largest posterior
 * @param calibrationError     expected calibration error of the mixture's top-1 next-token prediction (10 bins)
 */
public record EvaluationReport(long examples, long tokens, double mixturePerplexity, double[] memberPerplexity,
                               double mutualInformation, double[] meanRouting, double routingEntropy,
                               double[] routingWins, double calibrationError) {
}
