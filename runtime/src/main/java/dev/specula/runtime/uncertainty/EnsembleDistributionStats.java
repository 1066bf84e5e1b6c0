package dev.specula.runtime.uncertainty;

/**
 * The mixture {@code p = sum_k pi_k p_k} of K members' next-token distributions and its
 * uncertainty decomposition, all in log space: total entropy H[p], expected entropy
 * {@code sum_k pi_k H[p_k]}, their difference (mutual information, the members' disagreement in
 * nats) and the fraction of members whose favourite token is not the mixture's.
 */
public final class EnsembleDistributionStats {
    private final int vocab;
    private final int members;
    private final double[] logPriors;
    private final double[] priors;
    private final float[] memberLogits;
    private final double[] memberLse;
    private final double[] memberEntropy;
    private final int[] memberArgmax;
    private final float[] mixture;
    private final DistributionStats mixtureStats;

    /** {@code priors} are pi_k; they are normalised here. */
    public EnsembleDistributionStats(int vocab, double[] priors) {
        this.vocab = vocab;
        this.members = priors.length;
        double sum = 0;
        for (double p : priors) {
            sum += p;
        }
        this.priors = new double[members];
        this.logPriors = new double[members];
        for (int k = 0; k < members; k++) {
            this.priors[k] = priors[k] / sum;
            this.logPriors[k] = Math.log(this.priors[k]);
        }
        memberLogits = new float[members * vocab];
        memberLse = new double[members];
        memberEntropy = new double[members];
        memberArgmax = new int[members];
        mixture = new float[vocab];
        mixtureStats = new DistributionStats(vocab);
    }

    /**
     * Takes the members' raw logits ({@code logits[k*vocab ..]}, before any sampling transform) and
     * computes the mixture's log-probabilities, readable through {@link #mixtureLogProbs()}.
     */
    public void observe(float[] logits) {
        System.arraycopy(logits, 0, memberLogits, 0, members * vocab);
        for (int k = 0; k < members; k++) {
            int off = k * vocab;
            memberLse[k] = LogSpace.logSumExp(memberLogits, off, vocab);
            memberEntropy[k] = LogSpace.entropy(memberLogits, off, vocab, memberLse[k]);
            memberArgmax[k] = argmax(memberLogits, off);
        }
        for (int v = 0; v < vocab; v++) {
            // log sum_k exp(log pi_k + log p_k(v)), around the largest term.
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < members; k++) {
                max = Math.max(max, logPriors[k] + memberLogits[k * vocab + v] - memberLse[k]);
            }
            double sum = 0;
            for (int k = 0; k < members; k++) {
                sum += Math.exp(logPriors[k] + memberLogits[k * vocab + v] - memberLse[k] - max);
            }
            mixture[v] = (float) (max + Math.log(sum));
        }
        mixtureStats.observe(mixture);
    }

    /** log p(v) of the mixture, {@code [0, vocab)}: use it as the sampler's logits. Live until the next observe. */
    public float[] mixtureLogProbs() {
        return mixture;
    }

    public TokenUncertainty uncertainty(int token) {
        TokenUncertainty mix = mixtureStats.uncertainty(token);
        double total = mix.totalEntropy();
        double expected = 0;
        for (int k = 0; k < members; k++) {
            expected += priors[k] * memberEntropy[k];
        }
        // Jensen makes total >= expected; a negative difference is float rounding.
        double mutual = Math.max(0, total - expected);
        int best = argmax(mixture, 0);
        int differing = 0;
        double[] memberProbabilities = new double[members];
        for (int k = 0; k < members; k++) {
            if (memberArgmax[k] != best) {
                differing++;
            }
            memberProbabilities[k] = Math.exp(memberLogits[k * vocab + token] - memberLse[k]);
        }
        return new TokenUncertainty(total, expected, mutual, (double) differing / members, mix.logprob(),
                memberProbabilities);
    }

    /** The {@code n} most likely tokens of the mixture, most likely first. */
    public Alternative[] top(int n) {
        return mixtureStats.top(n);
    }

    private int argmax(float[] x, int off) {
        int best = 0;
        for (int i = 1; i < vocab; i++) {
            if (x[off + i] > x[off + best]) {
                best = i;
            }
        }
        return best;
    }
}
