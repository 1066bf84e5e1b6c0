package dev.specula.runtime.uncertainty;

/**
 * How sure the model (or ensemble) was about one generated token, from its untempered next-token
 * distribution. Entropies are in nats. With a single model the expected entropy equals the total,
 * mutual information and disagreement are 0.
 *
 * @param totalEntropy        H[p] of the (mixture) distribution
 * @param expectedEntropy     sum_k pi_k H[p_k]: the aleatoric part
 * @param mutualInformation   total - expected: the epistemic part, never negative
 * @param disagreement        fraction of members whose argmax differs from the mixture's argmax
 * @param logprob             log p(chosen token) under the (mixture) distribution
 * @param memberProbabilities p_k(chosen token) for each member
 */
public record TokenUncertainty(double totalEntropy, double expectedEntropy, double mutualInformation,
                               double disagreement, double logprob, double[] memberProbabilities) {

    public int members() {
        return memberProbabilities.length;
    }
}
