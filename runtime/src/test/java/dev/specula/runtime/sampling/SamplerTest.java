package dev.specula.runtime.sampling;

import dev.specula.runtime.SpeculaException;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {
    private static final int[] NO_HISTORY = new int[0];

    private static float[] randomLogits(int n, long seed) {
        Random r = new Random(seed);
        float[] l = new float[n];
        for (int i = 0; i < n; i++) {
            l[i] = (float) r.nextGaussian() * 3;
        }
        return l;
    }

    private static SamplerConfig config(float temperature, int topK, float topP, float minP, long seed) {
        return new SamplerConfig(temperature, topK, topP, minP, 1f, 64, seed);
    }

    @Test
    void greedyPicksTheLargestLogit() {
        float[] logits = randomLogits(1000, 1);
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        assertEquals(best, new Sampler(SamplerConfig.GREEDY, 1000).sample(logits.clone(), NO_HISTORY, 0));
        assertEquals(best, new Sampler(config(1.5f, 1, 1f, 0f, 7), 1000).sample(logits.clone(), NO_HISTORY, 0),
                "top-k 1 is greedy at any temperature");
        assertEquals(best, new Sampler(config(1f, 0, 1e-6f, 0f, 7), 1000).sample(logits.clone(), NO_HISTORY, 0),
                "a tiny top-p keeps only the best token");
    }

    @Test
    void sameSeedSameSequenceOtherSeedOtherSequence() {
        int[] a = draws(42, 200);
        int[] b = draws(42, 200);
        int[] c = draws(43, 200);
        assertArrayEquals(a, b);
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c));
    }

    private static int[] draws(long seed, int n) {
        Sampler s = new Sampler(config(1f, 0, 1f, 0f, seed), 50);
        float[] logits = randomLogits(50, 3);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = s.sample(logits.clone(), NO_HISTORY, 0);
        }
        return out;
    }

    @Test
    void drawsFollowTheSoftmaxOfScaledLogits() {
        float[] logits = {1f, 0f, -1f, 2f, 0.5f};
        float temperature = 0.7f;
        double[] expected = new double[logits.length];
        double z = 0;
        for (int i = 0; i < logits.length; i++) {
            expected[i] = Math.exp(logits[i] / temperature);
            z += expected[i];
        }
        Sampler s = new Sampler(config(temperature, 0, 1f, 0f, 11), logits.length);
        int n = 200_000;
        int[] counts = new int[logits.length];
        for (int i = 0; i < n; i++) {
            counts[s.sample(logits.clone(), NO_HISTORY, 0)]++;
        }
        for (int i = 0; i < logits.length; i++) {
            double p = expected[i] / z;
            double sigma = Math.sqrt(p * (1 - p) / n);
            assertEquals(p, counts[i] / (double) n, 5 * sigma, "token " + i);
        }
    }

    @Test
    void topKTopPAndMinPNeverDrawExcludedTokens() {
        float[] logits = {5f, 4.5f, 4f, 1f, 0f, -3f};
        // Probabilities at T=1: ~[0.50, 0.30, 0.18, 0.009, 0.003, 0.0002]
        assertOnlyDrawn(config(1f, 2, 1f, 0f, 1), logits, 0, 1);
        assertOnlyDrawn(config(1f, 0, 0.75f, 0f, 2), logits, 0, 1);
        assertOnlyDrawn(config(1f, 0, 1f, 0.1f, 3), logits, 0, 1, 2);
    }

    private static void assertOnlyDrawn(SamplerConfig config, float[] logits, int... allowed) {
        Sampler s = new Sampler(config, logits.length);
        boolean[] seen = new boolean[logits.length];
        for (int i = 0; i < 20_000; i++) {
            seen[s.sample(logits.clone(), NO_HISTORY, 0)] = true;
        }
        boolean[] expected = new boolean[logits.length];
        for (int a : allowed) {
            expected[a] = true;
        }
        assertArrayEquals(expected, seen, "drawn tokens for " + config);
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOnce() {
        SamplerConfig c = new SamplerConfig(0f, 0, 1f, 0f, 2f, 3, 0);
        float[] logits = {4f, -1f, 3.5f, 3f};
        int[] history = {0, 2, 1, 1};   // window of 3 sees 2, 1, 1: token 0 is outside it
        int chosen = new Sampler(c, 4).sample(logits, history, history.length);
        assertEquals(4f, logits[0]);
        assertEquals(-2f, logits[1], "penalised once although it appears twice");
        assertEquals(1.75f, logits[2]);
        assertEquals(0, chosen);
    }

    @Test
    void invalidParametersAreNamed() {
        SpeculaException e = assertThrows(SpeculaException.class, () -> config(-1f, 0, 1f, 0f, 0));
        assertTrue(e.getMessage().contains("temperature"), e.getMessage());
        e = assertThrows(SpeculaException.class, () -> config(1f, 0, 0f, 0f, 0));
        assertTrue(e.getMessage().contains("top_p"), e.getMessage());
        e = assertThrows(SpeculaException.class, () -> config(1f, -2, 1f, 0f, 0));
        assertTrue(e.getMessage().contains("top_k"), e.getMessage());
        e = assertThrows(SpeculaException.class, () -> config(1f, 0, 1f, 1.5f, 0));
        assertTrue(e.getMessage().contains("min_p"), e.getMessage());
    }
}
