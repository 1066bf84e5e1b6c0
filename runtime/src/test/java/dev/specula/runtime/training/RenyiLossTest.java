package dev.specula.runtime.training;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RenyiLossTest {
    private static final double[] LOG_LIK = {-412.5, -409.25, -415.0};
    private static final double[] PRIORS = {0.5, 0.3, 0.2};

    private static double[] logPriors() {
        double[] out = new double[PRIORS.length];
        for (int k = 0; k < out.length; k++) {
            out[k] = Math.log(PRIORS[k]);
        }
        return out;
    }

    @Test
    void alphaOneIsThePriorWeightedNll() {
        double[] w = new double[3];
        double loss = new RenyiLoss(1).evaluate(LOG_LIK, logPriors(), w);
        double expected = -(0.5 * LOG_LIK[0] + 0.3 * LOG_LIK[1] + 0.2 * LOG_LIK[2]);
        assertEquals(expected, loss, 1e-12);
        for (int k = 0; k < 3; k++) {
            assertEquals(PRIORS[k], w[k], 1e-15, "weights are the priors");
        }
    }

    @Test
    void alphaZeroIsTheMixtureNll() {
        double[] w = new double[3];
        double loss = new RenyiLoss(0).evaluate(LOG_LIK, logPriors(), w);
        // Shift by a constant so exp stays representable: log sum pi e^l = c + log sum pi e^(l-c).
        double c = -409.25;
        double mixture = 0;
        for (int k = 0; k < 3; k++) {
            mixture += PRIORS[k] * Math.exp(LOG_LIK[k] - c);
        }
        assertEquals(-(c + Math.log(mixture)), loss, 1e-9);
        // Posterior responsibilities: member 1 explains the example best.
        assertTrue(w[1] > w[0] && w[1] > w[2]);
    }

    @Test
    void weightsSumToOneAndAreTheNegativeGradient() {
        for (double alpha : new double[]{0, 0.25, 0.5, 0.9, 1, 1.5}) {
            RenyiLoss loss = new RenyiLoss(alpha);
            double[] w = new double[3];
            loss.evaluate(LOG_LIK, logPriors(), w);
            assertEquals(1, w[0] + w[1] + w[2], 1e-12, "alpha " + alpha);
            for (int k = 0; k < 3; k++) {
                double h = 1e-4;
                double[] plus = LOG_LIK.clone();
                double[] minus = LOG_LIK.clone();
                plus[k] += h;
                minus[k] -= h;
                double numeric = (loss.evaluate(plus, logPriors(), new double[3])
                        - loss.evaluate(minus, logPriors(), new double[3])) / (2 * h);
                assertEquals(-w[k], numeric, 1e-6, "alpha " + alpha + " member " + k);
            }
        }
    }

    @Test
    void approachesTheDeepEnsembleContinuously() {
        double exact = new RenyiLoss(1).evaluate(LOG_LIK, logPriors(), new double[3]);
        double near = new RenyiLoss(1 - 1e-7).evaluate(LOG_LIK, logPriors(), new double[3]);
        assertEquals(exact, near, 1e-3);
        // The mixture NLL lower-bounds the deep ensemble's loss (Jensen), with alpha in between.
        double half = new RenyiLoss(0.5).evaluate(LOG_LIK, logPriors(), new double[3]);
        double zero = new RenyiLoss(0).evaluate(LOG_LIK, logPriors(), new double[3]);
        assertTrue(zero < half && half < exact, zero + " < " + half + " < " + exact);
    }

    @Test
    void routingEntropyAndBadAlpha() {
        assertEquals(Math.log(4), RenyiLoss.entropy(new double[]{0.25, 0.25, 0.25, 0.25}), 1e-12);
        assertEquals(0, RenyiLoss.entropy(new double[]{0, 1, 0}), 0);
        assertThrows(IllegalArgumentException.class, () -> new RenyiLoss(-0.5));
        assertThrows(IllegalArgumentException.class, () -> new RenyiLoss(Double.NaN));
    }
}
