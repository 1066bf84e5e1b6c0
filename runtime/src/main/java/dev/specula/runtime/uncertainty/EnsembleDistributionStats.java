package dev.specula.runtime.uncertainty;

import dev.specula.runtime.kernel.LogProbKernels;
import dev.specula.runtime.kernel.VectorMath;

/**
 * The mixture {@code p = sum_k pi_k p_k} of K members' next-token distributions and its
 * uncertainty decomposition, all in log space: total entropy H[p], expected entropy
 * {@code sum_k pi_k H[p_k]}, their difference (mutual information, the members' disagreement in
 * nats) and the fraction of members whose favourite token is not the mixture's.
 */
public final class EnsembleDistributionStats implements NextTokenStats {
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
    private final float[] shift;
    private final double[] moments = new double[3];

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
        shift = new float[members];
    }

    /**
     * Takes the members' raw logits ({@code logits[k*vocab ..]}, before any sampling transform) and
     * computes the mixture's log-probabilities, readable through {@link #mixtureLogProbs()}.
     */
    public void observe(float[] logits) {
        System.arraycopy(logits, 0, memberLogits, 0, members * vocab);
        for (int k = 0; k < members; k++) {
            int off = k * vocab;
            LogProbKernels.expMoments(memberLogits, off, vocab, moments);
            memberLse[k] = moments[0] + Math.log(moments[1]);
            memberEntropy[k] = Math.log(moments[1]) - moments[2] / moments[1];
            memberArgmax[k] = VectorMath.argmax(memberLogits, off, vocab);
            shift[k] = (float) (logPriors[k] - memberLse[k]);
        }
        LogProbKernels.logMixture(memberLogits, vocab, shift, members, mixture);
        // The mixture is normalised up to rounding; its own moments give H[p] and that remainder.
        mixtureStats.observe(mixture);
    }

    /** log p(v) of the mixture, {@code [0, vocab)}: use it as the sampler's logits. Live until the next observe. */
    public float[] mixtureLogProbs() {
        return mixture;
    }

    @Override
    public TokenUncertainty uncertainty(int token) {
        double total = mixtureStats.entropy();
        double expected = 0;
        for (int k = 0; k < members; k++) {
            expected += priors[k] * memberEntropy[k];
        }
        // Jensen makes total >= expected; a negative difference is float rounding.
        double mutual = Math.max(0, total - expected);
        int best = VectorMath.argmax(mixture, 0, vocab);
        int differing = 0;
        double[] memberProbabilities = new double[members];
        for (int k = 0; k < members; k++) {
            if (memberArgmax[k] != best) {
                differing++;
            }
            memberProbabilities[k] = Math.exp(memberLogits[k * vocab + token] - memberLse[k]);
        }
        return new TokenUncertainty(total, expected, mutual, (double) differing / members,
                mixtureStats.logprob(token), memberProbabilities);
    }

    /** The {@code n} most likely tokens of the mixture, most likely first. */
    @Override
    public Alternative[] top(int n) {
        return mixtureStats.top(n);
    }
}
