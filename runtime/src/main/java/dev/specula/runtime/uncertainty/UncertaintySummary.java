package dev.specula.runtime.uncertainty;

/**
 * Uncertainty of a whole response.
 *
 * @param members              ensemble size (1 for a plain model)
 * @param tokens               tokens the statistics cover
 * @param memberLogLikelihoods log p_k(response | prompt) for each member
 * @param responsibilities     posterior weight of each member given the response; they sum to 1
 */
public record UncertaintySummary(int members, int tokens, Statistic totalEntropy, Statistic expectedEntropy,
                                 Statistic mutualInformation, Statistic disagreement,
                                 double[] memberLogLikelihoods, double[] responsibilities) {
}
