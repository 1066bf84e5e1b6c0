package dev.specula.runtime.sampling;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token: repetition penalty, then greedy or top-k, temperature, top-p and min-p
 * followed by a seeded draw. Buffers are allocated once per sampler, not per token.
 */
public final class Sampler {
    private final SamplerConfig config;
    private final SplittableRandom random;
    private final float[] probs;
    private final int[] order;
    private final long[] sortKeys;

    public Sampler(SamplerConfig config, int vocabSize) {
        this.config = config;
        this.random = new SplittableRandom(config.seed());
        this.probs = new float[vocabSize];
        this.order = new int[vocabSize];
        this.sortKeys = new long[vocabSize];
    }

    public SamplerConfig config() {
        return config;
    }

    /**
     * Chooses a token from {@code logits[0..vocab)}; {@code history[0..historyLength)} are the tokens
     * so far (prompt and output), used by the repetition penalty. {@code logits} is modified.
     */
    public int sample(float[] logits, int[] history, int historyLength) {
        int n = probs.length;
        applyRepetitionPenalty(logits, history, historyLength);
        if (config.greedy()) {
            return argmax(logits, n);
        }
        int kept = sortedCandidates(logits, n);
        float invT = 1f / config.temperature();
        float max = logits[order[0]];
        double sum = 0;
        for (int i = 0; i < kept; i++) {
            float p = (float) Math.exp((logits[order[i]] - max) * invT);
            probs[i] = p;
            sum += p;
        }
        kept = truncateTopP(kept, sum);
        kept = truncateMinP(kept);
        double total = 0;
        for (int i = 0; i < kept; i++) {
            total += probs[i];
        }
        double r = random.nextDouble() * total;
        double cumulative = 0;
        for (int i = 0; i < kept; i++) {
            cumulative += probs[i];
            if (r < cumulative) {
                return order[i];
            }
        }
        return order[kept - 1];
    }

    private void applyRepetitionPenalty(float[] logits, int[] history, int historyLength) {
        float penalty = config.repetitionPenalty();
        if (penalty == 1f || config.repetitionWindow() == 0) {
            return;
        }
        int from = Math.max(0, historyLength - config.repetitionWindow());
        // Penalise each distinct token once even if it repeats inside the window.
        for (int i = from; i < historyLength; i++) {
            int t = history[i];
            if (t < 0 || t >= logits.length || seenEarlier(history, from, i, t)) {
                continue;
            }
            logits[t] = logits[t] > 0 ? logits[t] / penalty : logits[t] * penalty;
        }
    }

    private static boolean seenEarlier(int[] history, int from, int i, int token) {
        for (int j = from; j < i; j++) {
            if (history[j] == token) {
                return true;
            }
        }
        return false;
    }

    /** Fills {@code order} with candidate ids by decreasing logit and returns how many are kept by top-k. */
    private int sortedCandidates(float[] logits, int n) {
        int k = config.topK() > 0 ? Math.min(config.topK(), n) : n;
        if (k < n && k <= 256) {
            return partialTopK(logits, n, k);
        }
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        sortByLogitDescending(logits, n);
        return k;
    }

    /** Selection of the k best by insertion into a small sorted prefix: O(n k) but k is small. */
    private int partialTopK(float[] logits, int n, int k) {
        int size = 0;
        for (int i = 0; i < n; i++) {
            float v = logits[i];
            if (size == k && v <= logits[order[k - 1]]) {
                continue;
            }
            int j = size < k ? size++ : k - 1;
            while (j > 0 && logits[order[j - 1]] < v) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = i;
        }
        return size;
    }

    private void sortByLogitDescending(float[] logits, int n) {
        // Sort packed (logit, id) keys: monotone float bits in the high word, id in the low word.
        long[] keys = sortKeys;
        for (int i = 0; i < n; i++) {
            int bits = Float.floatToIntBits(logits[i]);
            int monotone = bits >= 0 ? bits : bits ^ 0x7FFFFFFF;
            keys[i] = ((long) ~monotone << 32) | (i & 0xFFFFFFFFL);
        }
        Arrays.sort(keys);
        for (int i = 0; i < n; i++) {
            order[i] = (int) keys[i];
        }
    }

    private int truncateTopP(int kept, double sum) {
        if (config.topP() >= 1f) {
            return kept;
        }
        double threshold = config.topP() * sum;
        double cumulative = 0;
        for (int i = 0; i < kept; i++) {
            cumulative += probs[i];
            if (cumulative >= threshold) {
                return i + 1;
            }
        }
        return kept;
    }

    private int truncateMinP(int kept) {
        if (config.minP() <= 0f) {
            return kept;
        }
        float floor = config.minP() * probs[0];
        int i = 1;
        while (i < kept && probs[i] >= floor) {
            i++;
        }
        return i;
    }

    static int argmax(float[] x, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }
}
