package dev.specula.runtime.uncertainty;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ensemble decomposition against a direct double-precision evaluation of its definitions. */
class EnsembleDistributionStatsTest {
    private static final int VOCAB = 50;

    private static float[] randomLogits(Random random, int members, double spread) {
        float[] logits = new float[members * VOCAB];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (random.nextGaussian() * spread);
        }
        return logits;
    }

    private static double[] softmax(float[] logits, int off) {
        double[] p = new double[VOCAB];
        double sum = 0;
        for (int v = 0; v < VOCAB; v++) {
            p[v] = Math.exp(logits[off + v]);
            sum += p[v];
        }
        for (int v = 0; v < VOCAB; v++) {
            p[v] /= sum;
        }
        return p;
    }

    private static double entropy(double[] p) {
        double h = 0;
        for (double x : p) {
            h -= x > 0 ? x * Math.log(x) : 0;
        }
        return h;
    }

    @Test
    void identicalMembersHaveNoMutualInformationOrDisagreement() {
        float[] one = randomLogits(new Random(1), 1, 3);
        float[] four = new float[4 * VOCAB];
        for (int k = 0; k < 4; k++) {
            System.arraycopy(one, 0, four, k * VOCAB, VOCAB);
        }
        EnsembleDistributionStats stats = new EnsembleDistributionStats(VOCAB, new double[]{0.1, 0.2, 0.3, 0.4});
        stats.observe(four);
        TokenUncertainty u = stats.uncertainty(7);
        assertEquals(0, u.mutualInformation(), 1e-6);
        assertEquals(0, u.disagreement());
        assertEquals(entropy(softmax(one, 0)), u.totalEntropy(), 1e-5);
        double[] p = softmax(one, 0);
        for (int v = 0; v < VOCAB; v++) {
            assertEquals(Math.log(p[v]), stats.mixtureLogProbs()[v], 1e-5);
        }
    }

    @Test
    void decompositionMatchesAScalarReferenceOnRandomLogits() {
        Random random = new Random(42);
        double[] priors = {0.5, 0.25, 0.125, 0.125};
        EnsembleDistributionStats stats = new EnsembleDistributionStats(VOCAB, priors);
        for (int trial = 0; trial < 20; trial++) {
            float[] logits = randomLogits(random, priors.length, 4);
            stats.observe(logits);
            int token = random.nextInt(VOCAB);
            TokenUncertainty u = stats.uncertainty(token);

            double[] mixture = new double[VOCAB];
            double expected = 0;
            double[] memberP = new double[priors.length];
            int[] memberBest = new int[priors.length];
            for (int k = 0; k < priors.length; k++) {
                double[] p = softmax(logits, k * VOCAB);
                expected += priors[k] * entropy(p);
                memberP[k] = p[token];
                for (int v = 0; v < VOCAB; v++) {
                    mixture[v] += priors[k] * p[v];
                    memberBest[k] = p[v] > p[memberBest[k]] ? v : memberBest[k];
                }
            }
            int best = 0;
            for (int v = 0; v < VOCAB; v++) {
                best = mixture[v] > mixture[best] ? v : best;
            }
            int differing = 0;
            for (int k = 0; k < priors.length; k++) {
                differing += memberBest[k] != best ? 1 : 0;
            }
            double total = entropy(mixture);
            assertEquals(total, u.totalEntropy(), 1e-5);
            assertEquals(expected, u.expectedEntropy(), 1e-5);
            assertEquals(total - expected, u.mutualInformation(), 1e-5);
            assertTrue(u.mutualInformation() > 0, "differing members must have positive mutual information");
            assertEquals((double) differing / priors.length, u.disagreement());
            assertEquals(Math.log(mixture[token]), u.logprob(), 1e-5);
            assertArrayEquals(memberP, u.memberProbabilities(), 1e-6);
            assertEquals(best, stats.top(1)[0].id());
        }
    }

    @Test
    void responsibilitiesArePosteriorsOverTheResponseAndSumToOne() {
        Random random = new Random(3);
        double[] priors = {0.2, 0.3, 0.5};
        EnsembleDistributionStats stats = new EnsembleDistributionStats(VOCAB, priors);
        UncertaintyAccumulator acc = new UncertaintyAccumulator(priors);
        double[] logLik = new double[priors.length];
        for (int step = 0; step < 10; step++) {
            float[] logits = randomLogits(random, priors.length, 2);
            stats.observe(logits);
            int token = random.nextInt(VOCAB);
            acc.add(stats.uncertainty(token));
            for (int k = 0; k < priors.length; k++) {
                logLik[k] += Math.log(softmax(logits, k * VOCAB)[token]);
            }
        }
        UncertaintySummary s = acc.summary();
        double evidence = 0;
        for (int k = 0; k < priors.length; k++) {
            evidence += priors[k] * Math.exp(logLik[k]);
        }
        double sum = 0;
        for (int k = 0; k < priors.length; k++) {
            // Member probabilities come from float logits: agreement to ~1e-7 relative.
            assertEquals(priors[k] * Math.exp(logLik[k]) / evidence, s.responsibilities()[k], 1e-6);
            sum += s.responsibilities()[k];
        }
        assertEquals(1, sum, 1e-12);
        assertEquals(3, s.members());
        assertEquals(10, s.tokens());
    }
}
