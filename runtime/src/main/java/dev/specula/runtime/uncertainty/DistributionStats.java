package dev.specula.runtime.uncertainty;

import dev.specula.runtime.kernel.LogProbKernels;

/**
 * Uncertainty of a single model's next-token distribution, read from its raw logits before any
 * sampling transform (temperature, penalties), so the numbers describe the model, not the sampler.
 */
public final class DistributionStats implements NextTokenStats {
    private final int vocab;
    private final float[] raw;
    private final double[] moments = new double[3];
    private double lse;
    private double entropy;

    public DistributionStats(int vocab) {
        this.vocab = vocab;
        this.raw = new float[vocab];
    }

    /**
     * Takes a copy of {@code logits[0 .. vocab)} (call before the sampler modifies them) and reads its
     * log-normaliser and entropy off one vectorised pass.
     */
    public void observe(float[] logits) {
        System.arraycopy(logits, 0, raw, 0, vocab);
        LogProbKernels.expMoments(raw, 0, vocab, moments);
        lse = moments[0] + Math.log(moments[1]);
        entropy = Math.log(moments[1]) - moments[2] / moments[1];
    }

    /** Entropy in nats of the observed distribution. */
    public double entropy() {
        return entropy;
    }

    /** log p(token) under the observed distribution. */
    public double logprob(int token) {
        return raw[token] - lse;
    }

    /** The single-model uncertainty of choosing {@code token} from the observed distribution. */
    @Override
    public TokenUncertainty uncertainty(int token) {
        double logprob = raw[token] - lse;
        return new TokenUncertainty(entropy, entropy, 0, 0, logprob, new double[]{Math.exp(logprob)});
    }

    /** The {@code n} most likely tokens, most likely first. */
    @Override
    public Alternative[] top(int n) {
        int count = Math.min(n, vocab);
        Alternative[] best = new Alternative[count];
        int[] ids = new int[count];
        int filled = 0;
        for (int i = 0; i < vocab; i++) {
            if (filled < count) {
                ids[filled++] = i;
                siftUp(ids, filled - 1);
            } else if (raw[i] > raw[ids[count - 1]]) {
                ids[count - 1] = i;
                siftUp(ids, count - 1);
            }
        }
        for (int i = 0; i < count; i++) {
            best[i] = new Alternative(ids[i], raw[ids[i]] - lse);
        }
        return best;
    }

    // Insertion step keeping ids sorted by descending logit; n is small (OpenAI caps top_logprobs at 20).
    private void siftUp(int[] ids, int at) {
        for (int j = at; j > 0 && raw[ids[j]] > raw[ids[j - 1]]; j--) {
            int t = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = t;
        }
    }
}
