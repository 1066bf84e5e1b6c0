package dev.specula.runtime.training;

import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.lora.LoraEnsemble;
import dev.specula.runtime.uncertainty.LogSpace;

import java.util.List;

/**
 * Runs every member of an ensemble over an example and measures, per position, the mixture's
 * and the members' predictions: log-probabilities of the target, mutual information between
 * the prediction and the member (how much members disagree), and top-1 confidence.
 */
public final class EnsembleEvaluator {
    private static final int CALIBRATION_BINS = 10;

    private final LoraEnsemble ensemble;
    private final ComputePool pool;
    private final LoraBackprop[] passes;
    private final double[] priors;
    private final int vocab;
    private final double[] mixture;
    private final double[] memberEntropy;
    private final double[] memberLogProb;
    private TrainingExample example;

    public EnsembleEvaluator(FrozenModel base, LoraEnsemble ensemble, int maxTokens) {
        this.ensemble = ensemble;
        this.pool = base.pool;
        this.priors = ensemble.priors();
        this.vocab = base.config.vocabSize();
        passes = new LoraBackprop[ensemble.size()];
        for (int k = 0; k < passes.length; k++) {
            passes[k] = new LoraBackprop(base, maxTokens);
        }
        mixture = new double[vocab];
        memberEntropy = new double[ensemble.size()];
        memberLogProb = new double[ensemble.size()];
    }

    /** Runs all members over {@code example}; returns each member's summed log-likelihood of its scored tokens. */
    public double[] run(TrainingExample example) {
        this.example = example;
        double[] logLik = new double[passes.length];
        pool.parallelFor(passes.length, (from, to) -> {
            for (int k = from; k < to; k++) {
                logLik[k] = passes[k].forward(ensemble.member(k), example);
            }
        });
        return logLik;
    }

    /** Prediction statistics at position {@code t} of the last {@link #run}. */
    public record Position(double mixtureLogProb, double[] memberLogProb, double mutualInformation,
                           double confidence, boolean correct) {
    }

    public Position at(int t) {
        int target = example.tokens()[t + 1];
        java.util.Arrays.fill(mixture, 0);
        double expectedEntropy = 0;
        for (int k = 0; k < passes.length; k++) {
            float[] logits = passes[k].logits();
            int off = t * vocab;
            double lse = LogSpace.logSumExp(logits, off, vocab);
            double h = 0;
            for (int i = 0; i < vocab; i++) {
                double logp = logits[off + i] - lse;
                double p = Math.exp(logp);
                h -= p * logp;
                mixture[i] += priors[k] * p;
            }
            memberEntropy[k] = h;
            memberLogProb[k] = logits[off + target] - lse;
            expectedEntropy += priors[k] * h;
        }
        double mixtureEntropy = 0;
        int best = 0;
        for (int i = 0; i < vocab; i++) {
            if (mixture[i] > 0) {
                mixtureEntropy -= mixture[i] * Math.log(mixture[i]);
            }
            if (mixture[i] > mixture[best]) {
                best = i;
            }
        }
        return new Position(Math.log(mixture[target]), memberLogProb.clone(),
                Math.max(0, mixtureEntropy - expectedEntropy), mixture[best], best == target);
    }

    /** Scores every scored position of every example. */
    public EvaluationReport evaluate(List<TrainingExample> examples) {
        int k = passes.length;
        double mixtureNll = 0;
        double[] memberNll = new double[k];
        double mi = 0;
        double[] routing = new double[k];
        double[] wins = new double[k];
        double routingEntropy = 0;
        double[] binConfidence = new double[CALIBRATION_BINS];
        double[] binCorrect = new double[CALIBRATION_BINS];
        long[] binCount = new long[CALIBRATION_BINS];
        long tokens = 0;
        double[] logPriors = new double[k];
        for (int m = 0; m < k; m++) {
            logPriors[m] = Math.log(priors[m]);
        }
        RenyiLoss posterior = new RenyiLoss(0);
        double[] w = new double[k];
        for (TrainingExample ex : examples) {
            double[] logLik = run(ex);
            posterior.evaluate(logLik, logPriors, w);
            routingEntropy += RenyiLoss.entropy(w);
            int winner = 0;
            for (int m = 0; m < k; m++) {
                routing[m] += w[m];
                winner = w[m] > w[winner] ? m : winner;
            }
            wins[winner]++;
            for (int t = ex.firstTarget() - 1; t < ex.tokens().length - 1; t++) {
                Position p = at(t);
                mixtureNll -= p.mixtureLogProb();
                for (int m = 0; m < k; m++) {
                    memberNll[m] -= p.memberLogProb()[m];
                }
                mi += p.mutualInformation();
                int bin = Math.min(CALIBRATION_BINS - 1, (int) (p.confidence() * CALIBRATION_BINS));
                binConfidence[bin] += p.confidence();
                binCorrect[bin] += p.correct() ? 1 : 0;
                binCount[bin]++;
                tokens++;
            }
        }
        double ece = 0;
        for (int b = 0; b < CALIBRATION_BINS; b++) {
            if (binCount[b] > 0) {
                ece += Math.abs(binConfidence[b] - binCorrect[b]) / tokens;
            }
        }
        double[] memberPpl = new double[k];
        for (int m = 0; m < k; m++) {
            memberPpl[m] = Math.exp(memberNll[m] / tokens);
            routing[m] /= examples.size();
            wins[m] /= examples.size();
        }
        return new EvaluationReport(examples.size(), tokens, Math.exp(mixtureNll / tokens), memberPpl, mi / tokens,
                routing, routingEntropy / examples.size(), wins, ece);
    }
}
