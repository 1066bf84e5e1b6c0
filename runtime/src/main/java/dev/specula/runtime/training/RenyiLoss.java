package dev.specula.runtime.training;

/**
 * The alpha-Renyi ensemble objective of "Soft Specialists" for one example. With member
 * log-likelihoods {@code l_k = log p(y | x, theta_k)} and priors {@code pi_k}:
 * <pre>
 *   loss = -1/(1-alpha) * log sum_k pi_k exp((1-alpha) l_k)
 * </pre>
 * alpha = 0 is the mixture's negative log-likelihood (members become specialists), alpha -> 1
 * tends to {@code -sum_k pi_k l_k} (a deep ensemble, each member fits everything). The gradient
 * with respect to {@code l_k} is {@code -w_k} with the soft routing weights
 * {@code w_k = softmax_k(log pi_k + (1-alpha) l_k)}, so member k's parameters receive its own
 * log-likelihood gradient scaled by {@code w_k}. Everything is computed in log space: sequence
 * log-likelihoods are hundreds of nats, far outside what exp can represent.
 */
public final class RenyiLoss {
    private final double alpha;

    public RenyiLoss(double alpha) {
        if (!(alpha >= 0) || !Double.isFinite(alpha)) {
            throw new IllegalArgumentException("alpha must be finite and >= 0, got " + alpha);
        }
        this.alpha = alpha;
    }

    public double alpha() {
        return alpha;
    }

    /**
     * The loss for log-likelihoods {@code logLik[k]} and log-priors {@code logPriors[k]}; writes the
     * routing weights (which sum to 1) to {@code weights}, so that {@code dLoss/dl_k = -weights[k]}.
     */
    public double evaluate(double[] logLik, double[] logPriors, double[] weights) {
        int members = logLik.length;
        if (logPriors.length != members || weights.length != members) {
            throw new IllegalArgumentException("lengths differ: " + members + " log-likelihoods, "
                    + logPriors.length + " priors, " + weights.length + " weights");
        }
        if (alpha == 1) {
            // The limit, taken exactly: the prior-weighted negative log-likelihood.
            double loss = 0;
            for (int k = 0; k < members; k++) {
                weights[k] = Math.exp(logPriors[k]);
                loss -= weights[k] * logLik[k];
            }
            return loss;
        }
        double oneMinus = 1 - alpha;
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < members; k++) {
            weights[k] = logPriors[k] + oneMinus * logLik[k];
            max = Math.max(max, weights[k]);
        }
        double sum = 0;
        for (int k = 0; k < members; k++) {
            weights[k] = Math.exp(weights[k] - max);
            sum += weights[k];
        }
        for (int k = 0; k < members; k++) {
            weights[k] /= sum;
        }
        return -(max + Math.log(sum)) / oneMinus;
    }

    /** Entropy in nats of routing weights: 0 when one member takes the example, log K when all share it. */
    public static double entropy(double[] weights) {
        double h = 0;
        for (double w : weights) {
            if (w > 0) {
                h -= w * Math.log(w);
            }
        }
        return h;
    }
}
