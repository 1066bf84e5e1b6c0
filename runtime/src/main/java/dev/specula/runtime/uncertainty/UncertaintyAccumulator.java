package dev.specula.runtime.uncertainty;

/** Folds per-token uncertainties into a {@link UncertaintySummary}; responsibilities use the member priors. */
public final class UncertaintyAccumulator {
    private final double[] logPriors;
    private final double[] logLikelihoods;
    private final double[] sums = new double[4];
    private final double[] maxima = new double[4];
    private int tokens;

    /** {@code priors} are the members' prior weights pi_k (they need not be normalised). */
    public UncertaintyAccumulator(double[] priors) {
        logPriors = new double[priors.length];
        for (int k = 0; k < priors.length; k++) {
            logPriors[k] = Math.log(priors[k]);
        }
        logLikelihoods = new double[priors.length];
    }

    public void add(TokenUncertainty u) {
        double[] values = {u.totalEntropy(), u.expectedEntropy(), u.mutualInformation(), u.disagreement()};
        for (int i = 0; i < values.length; i++) {
            sums[i] += values[i];
            maxima[i] = tokens == 0 ? values[i] : Math.max(maxima[i], values[i]);
        }
        double[] p = u.memberProbabilities();
        for (int k = 0; k < logLikelihoods.length; k++) {
            logLikelihoods[k] += Math.log(p[k]);
        }
        tokens++;
    }

    public UncertaintySummary summary() {
        double[] posterior = new double[logPriors.length];
        for (int k = 0; k < posterior.length; k++) {
            posterior[k] = logPriors[k] + logLikelihoods[k];
        }
        LogSpace.softmaxInPlace(posterior);
        return new UncertaintySummary(logPriors.length, tokens, stat(0), stat(1), stat(2), stat(3),
                logLikelihoods.clone(), posterior);
    }

    private Statistic stat(int i) {
        return tokens == 0 ? Statistic.EMPTY : new Statistic(sums[i] / tokens, maxima[i]);
    }
}
