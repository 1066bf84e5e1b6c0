package dev.specula.offload;

import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.MatMul;
import dev.specula.runtime.kernel.Weights;
import dev.specula.runtime.model.ModelConfig;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * Recall and precision of a predictor's neuron choice against the oracle on a text. The oracle
 * at sparsity s keeps, per layer, the neurons whose true output |silu(g) * u| is in the top
 * {@code 1 - s} of the text's (token, neuron) pairs; the predictor keeps those its calibrated
 * threshold lets through.
 */
public final class PredictorEvaluation {

    /**
     * @param achievedSparsity fraction of (token, layer, neuron) the predictor skipped on this text
     */
    public record Row(PredictorKind predictor, float sparsity, double achievedSparsity, double recall, double precision) {
    }

    private PredictorEvaluation() {
    }

    /** Evaluates every calibrated setting of every stored predictor on the first {@code maxTokens} of {@code text}. */
    public static List<Row> evaluate(FlashModel model, ComputePool pool, String text, int maxTokens) {
        ModelConfig c = model.config();
        int layers = c.layers();
        int hidden = c.hiddenDim();
        List<Row> rows = new ArrayList<>();
        try (Arena arena = Arena.ofShared();
             FlashFeedForward dense = new FlashFeedForward(model, pool, FlashFeedForward.Options.allActive())) {
            ActivationTrace trace = ActivationTrace.record(model.model(), dense, pool, text, maxTokens);
            Weights[] gate = model.gatherRows(arena, 0, "ffn_gate");
            Weights[] up = model.gatherRows(arena, model.layout().rowBytes(c), "ffn_up");
            float[] sparsities = model.layout().sparsities();
            // Oracle magnitudes per layer, and their per-setting thresholds.
            float[][] truth = new float[layers][trace.tokens() * hidden];
            float[][] oracleThreshold = new float[layers][];
            float[] x = new float[c.dim()];
            float[] g = new float[hidden];
            float[] u = new float[hidden];
            for (int l = 0; l < layers; l++) {
                for (int t = 0; t < trace.tokens(); t++) {
                    trace.input(l, t, x);
                    MatMul.matmul(pool, gate[l], x, g, 1);
                    MatMul.matmul(pool, up[l], x, u, 1);
                    for (int i = 0; i < hidden; i++) {
                        truth[l][t * hidden + i] = Math.abs(Predictor.silu(g[i]) * u[i]);
                    }
                }
                oracleThreshold[l] = Quantiles.of(truth[l].clone(), truth[l].length, sparsities);
            }
            List<PredictorKind> kinds = new ArrayList<>(List.of(PredictorKind.GATE));
            if (model.hasLowRankPredictor()) {
                kinds.addFirst(PredictorKind.LOW_RANK);
            }
            float[] scores = new float[hidden];
            for (PredictorKind kind : kinds) {
                Predictor predictor = model.predictor(kind, pool, arena);
                for (int s = 0; s < sparsities.length; s++) {
                    float[] thresholds = model.thresholds(kind, sparsities[s]);
                    long predicted = 0;
                    long oracle = 0;
                    long both = 0;
                    for (int l = 0; l < layers; l++) {
                        for (int t = 0; t < trace.tokens(); t++) {
                            trace.input(l, t, x);
                            predictor.gateScores(l, x, scores);
                            for (int i = 0; i < hidden; i++) {
                                boolean p = Predictor.fires(scores[i], thresholds[l]);
                                boolean o = truth[l][t * hidden + i] >= oracleThreshold[l][s];
                                predicted += p ? 1 : 0;
                                oracle += o ? 1 : 0;
                                both += p && o ? 1 : 0;
                            }
                        }
                    }
                    long pairs = (long) layers * trace.tokens() * hidden;
                    rows.add(new Row(kind, sparsities[s], 1 - (double) predicted / pairs,
                            oracle == 0 ? 1 : (double) both / oracle, predicted == 0 ? 1 : (double) both / predicted));
                }
            }
        }
        return rows;
    }
}
