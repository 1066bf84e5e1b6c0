package dev.specula.offload;

import dev.specula.runtime.kernel.ComputePool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PredictorTest {
    @TempDir
    Path dir;

    @Test
    void lowRankFactorsRecoverALowRankMatrixExactly() {
        int rows = 40;
        int cols = 24;
        float[] w = new float[rows * cols];
        java.util.Random r = new java.util.Random(1);
        float[][] u = new float[3][rows];
        float[][] v = new float[3][cols];
        for (int k = 0; k < 3; k++) {
            for (int i = 0; i < rows; i++) u[k][i] = (float) r.nextGaussian();
            for (int j = 0; j < cols; j++) v[k][j] = (float) r.nextGaussian();
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                for (int k = 0; k < 3; k++) w[i * cols + j] += u[k][i] * v[k][j];
            }
        }
        LowRankFactors f = LowRankFactors.of(w, rows, cols, 3, 42);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                float s = 0;
                for (int k = 0; k < 3; k++) s += f.a()[i * 3 + k] * f.b()[k * cols + j];
                assertEquals(w[i * cols + j], s, 1e-3f, "W[" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void predictorsFindTheNeuronsThatMatterOnARealModel() throws IOException {
        Path flash = TestModels.convert(TestModels.TINY_656K_Q8, dir, false);
        // Evaluate on text the thresholds were not calibrated on.
        String text = Files.readString(TestModels.corpus("tinystories-valid-794k.txt")).substring(0, 6000);
        try (FlashModel fm = FlashModel.open(flash, true, true); ComputePool pool = new ComputePool(2)) {
            List<PredictorEvaluation.Row> rows = PredictorEvaluation.evaluate(fm, pool, text, 256);
            for (PredictorEvaluation.Row row : rows) {
                assertEquals(row.sparsity(), row.achievedSparsity(), 0.1, "calibrated sparsity holds on new text");
            }
            PredictorEvaluation.Row gate = find(rows, PredictorKind.GATE, 0.8f);
            PredictorEvaluation.Row lowRank = find(rows, PredictorKind.LOW_RANK, 0.8f);
            // Measured 0.68 (gate) and 0.55 (low rank) at sparsity 0.8; a predictor no better than
            // chance would recall 0.2. SwiGLU gates are not ReLU-sparse, hence the modest values.
            assertTrue(gate.recall() > 0.6, "exact gate recall " + gate.recall());
            assertTrue(lowRank.recall() > 0.45, "low-rank recall " + lowRank.recall());
            assertTrue(gate.recall() >= lowRank.recall(), "the exact gate knows more than its approximation");
        }
    }

    private static PredictorEvaluation.Row find(List<PredictorEvaluation.Row> rows, PredictorKind kind, float s) {
        return rows.stream().filter(r -> r.predictor() == kind && Math.abs(r.sparsity() - s) < 1e-6).findFirst().orElseThrow();
    }
}
