package dev.specula.offload;

import dev.specula.runtime.engine.CpuAttention;
import dev.specula.runtime.engine.DenseFeedForward;
import dev.specula.runtime.engine.Session;
import dev.specula.runtime.engine.Transformer;
import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.WeightLayout;
import dev.specula.runtime.kernel.WeightsFactory;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.TensorNames;
import dev.specula.runtime.synth.SynthModelWriter;
import dev.specula.runtime.synth.SynthQuant;
import dev.specula.runtime.synth.SynthShape;
import dev.specula.runtime.tensor.GgmlType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With every neuron active, the flash feed-forward must reproduce the dense model from the source GGUF. */
class FlashParityTest {
    private static final int[] TOKENS = {1, 403, 407, 261, 378, 300, 395, 342, 267, 289, 280, 427, 315, 270, 444, 377,
            301, 290, 305, 268, 288, 271, 261, 490, 301, 290, 305, 268, 288, 271, 261, 490, 10, 20, 30, 40};

    /** Logits are of order 10; a float rounding per summed term over 172 neurons and 5 layers stays far below this. */
    private static final float F32_TOLERANCE = 1e-4f;

    @TempDir
    static Path dir;
    static ComputePool pool;

    @BeforeAll
    static void pool() {
        pool = new ComputePool(2);
    }

    @AfterAll
    static void close() {
        pool.close();
    }

    @Test
    void allActiveF32MatchesDense() {
        Path flash = TestModels.convert(TestModels.STORIES_260K, dir, false);
        float[][] dense = denseLogits(TestModels.model(TestModels.STORIES_260K));
        float[][] sparse = flashLogits(flash, FlashFeedForward.Options.allActive());
        // The same weights (checked below) but the down product is summed per neuron, not per output
        // row, so the last bits differ from the dense kernel's order.
        for (int t = 0; t < TOKENS.length; t++) {
            assertArrayEquals(dense[t], sparse[t], F32_TOLERANCE, "logits after token " + t);
            assertEquals(argmax(dense[t]), argmax(sparse[t]), "greedy token after token " + t);
        }
    }

    @Test
    void pageCacheBaselineComputesTheSameAsDirectReads() {
        Path flash = TestModels.convert(TestModels.STORIES_260K, dir.resolve("mapped"), false);
        float[][] direct = flashLogits(flash, FlashFeedForward.Options.allActive());
        var o = FlashFeedForward.Options.allActive();
        float[][] mapped = flashLogits(flash, new FlashFeedForward.Options(o.predictor(), o.sparsity(), o.window(),
                o.capacity(), o.chunkBytes(), o.ioThreads(), o.stagingBytes(), o.throttle(), true));
        // Same bytes, same code; the last bits may still move while the JIT warms up (the Vector API
        // rounds exp differently before C2 compiles it), so the comparison is not bitwise.
        for (int t = 0; t < TOKENS.length; t++) {
            assertArrayEquals(direct[t], mapped[t], F32_TOLERANCE, "logits after token " + t);
        }
    }

    @Test
    void allActiveCacheHoldsExactlyTheDenseWeights() {
        Path flash = TestModels.convert(TestModels.STORIES_260K, dir.resolve("bytes"), false);
        try (Model m = ModelLoader.load(TestModels.model(TestModels.STORIES_260K), null, false);
             FlashModel fm = FlashModel.open(flash, false, true);
             FlashFeedForward ff = new FlashFeedForward(fm, pool, FlashFeedForward.Options.allActive())) {
            ff.forward(0, new float[m.config().dim()], new float[m.config().dim()], 1);
            NeuronSlabs s = ff.slabs(0);
            assertEquals(-1, s.gate().tensor().data().mismatch(m.tensor(TensorNames.ffnGate(0)).data()));
            assertEquals(-1, s.up().tensor().data().mismatch(m.tensor(TensorNames.ffnUp(0)).data()));
            // Slot i holds neuron i's down column: row i of the cache is column i of the dense down matrix.
            var down = WeightsFactory.of(m.tensor(TensorNames.ffnDown(0)));
            int dim = m.config().dim();
            int hidden = m.config().hiddenDim();
            float[] denseRow = new float[hidden];
            float[] cached = new float[dim];
            for (int i = 0; i < hidden; i++) {
                s.down().row(i, cached, 0);
                for (int r = 0; r < dim; r++) {
                    down.row(r, denseRow, 0);
                    assertEquals(Float.floatToRawIntBits(denseRow[i]), Float.floatToRawIntBits(cached[r]), "down[" + r + "][" + i + "]");
                }
            }
        }
    }

    @Test
    void allActivePageAlignedExactQ8MatchesDense() {
        Path flash = TestModels.convert(TestModels.TINY_656K_Q8, dir, true, true);
        float[][] dense = denseLogits(TestModels.model(TestModels.TINY_656K_Q8));
        float[][] sparse = flashLogits(flash, FlashFeedForward.Options.allActive());
        // Q8_0 down columns are stored as exact F32 values; only the order of the down sum differs.
        for (int t = 0; t < TOKENS.length; t++) {
            assertArrayEquals(dense[t], sparse[t], 2e-4f, "logits after token " + t);
            assertEquals(argmax(dense[t]), argmax(sparse[t]), "greedy token after token " + t);
        }
    }

    @Test
    void allActiveRequantizedQ8StaysWithinQuantizationError() {
        Path flash = TestModels.convert(TestModels.TINY_656K_Q8, dir.resolve("compact"), false);
        // Down columns rounded once more to Q8_0 (relative step 1/254 per value).
        assertWithinRequantization(denseLogits(TestModels.model(TestModels.TINY_656K_Q8)),
                flashLogits(flash, FlashFeedForward.Options.allActive()));
    }

    /** The logits move by a small fraction of their spread, and greedy choices change at most at near ties. */
    private static void assertWithinRequantization(float[][] dense, float[][] sparse) {
        int agree = 0;
        for (int t = 0; t < TOKENS.length; t++) {
            float spread = max(dense[t]) - min(dense[t]);
            for (int v = 0; v < dense[t].length; v++) {
                assertEquals(dense[t][v], sparse[t][v], 0.02f * spread, "logit " + v + " after token " + t);
            }
            agree += argmax(dense[t]) == argmax(sparse[t]) ? 1 : 0;
        }
        assertTrue(agree >= TOKENS.length - 2, "greedy agreement " + agree + "/" + TOKENS.length);
    }

    /**
     * A Q4_K_M file of SmolLM's width (576, not whole super-blocks): its gate and up rows are llama.cpp's Q5_0
     * fallback, its down matrices Q4_K in some layers and Q6_K in others. The bundles keep the rows and re-encode
     * every layer's down columns in the widest type's fallback, Q8_0, so the all-active model stays within that
     * rounding of the dense one.
     */
    @Test
    void allActiveMixedKQuantModelStaysWithinQuantizationError() throws java.io.IOException {
        Path source = dir.resolve("smol-q4_k_m.gguf");
        new SynthModelWriter(new SynthShape("smol", 576, 4, 9, 3, 1536, 512, 64), SynthQuant.Q4_K_M, 7)
                .write(source, false, done -> { });
        Path flash = dir.resolve("smol-q4_k_m.specula");
        FlashConverter.convert(source, flash, new FlashConverter.Options(false, false, -1, null, 0, false),
                (stage, done, total) -> { });
        try (FlashModel fm = FlashModel.open(flash, false, true)) {
            assertEquals(GgmlType.Q5_0, fm.layout().rowType());
            assertEquals(GgmlType.Q8_0, fm.layout().downType());
        }
        assertWithinRequantization(denseLogits(source), flashLogits(flash, FlashFeedForward.Options.allActive()));
    }

    @Test
    void tinyWindowCapacityStillMatchesWhenAllNeuronsFit() {
        // Window of one token and every neuron used: each token reuses the whole cache, nothing is read twice.
        Path flash = TestModels.convert(TestModels.STORIES_260K, dir.resolve("w"), false);
        var options = new FlashFeedForward.Options(PredictorKind.ALL, 0, 1, 0, 8192, 3, 16384, null, false);
        try (FlashModel fm = FlashModel.open(flash, false, true);
             FlashFeedForward ff = new FlashFeedForward(fm, pool, options)) {
            float[][] sparse = run(fm.model(), ff);
            float[][] dense = denseLogits(TestModels.model(TestModels.STORIES_260K));
            for (int t = 0; t < TOKENS.length; t++) {
                assertArrayEquals(dense[t], sparse[t], F32_TOLERANCE, "logits after token " + t);
            }
            FlashStats s = ff.stats();
            long layerBytes = fm.layout().stride() * fm.config().hiddenDim();
            assertTrue(s.bytesRead() >= fm.config().layers() * layerBytes, "every bundle read once");
            // Pages shared by two chunk-sized reads are read twice; a second pass over the weights would double it.
            assertTrue(s.bytesRead() < 2L * fm.config().layers() * layerBytes, "and only once: " + s.bytesRead());
            assertEquals((TOKENS.length - 1) * fm.config().layers() * (long) fm.config().hiddenDim(), s.hits());
        }
    }

    @Test
    void naiveLoadingStreamsWhatDoesNotFitAndStillMatchesDense() {
        // A cache of 40 of 172 neurons per layer: the other 132 are re-read every token, a stream buffer at a time.
        // One token at a time, as in decoding (prompt batches stream whole layers instead, below).
        Path flash = TestModels.convert(TestModels.STORIES_260K, dir.resolve("naive"), false);
        var options = new FlashFeedForward.Options(PredictorKind.ALL, 0, 5, 40, 8192, 3, 16384, null, false);
        try (FlashModel fm = FlashModel.open(flash, false, true);
             FlashFeedForward ff = new FlashFeedForward(fm, pool, options)) {
            float[][] streamed = run(fm.model(), ff, 1);
            float[][] dense = denseLogits(TestModels.model(TestModels.STORIES_260K));
            for (int t = 0; t < TOKENS.length; t++) {
                assertArrayEquals(dense[t], streamed[t], F32_TOLERANCE, "logits after token " + t);
            }
            FlashStats s = ff.stats();
            int layers = fm.config().layers();
            int hidden = fm.config().hiddenDim();
            assertEquals(0, s.dropped(), "streamed neurons are computed, not dropped");
            assertEquals((TOKENS.length - 1) * layers * 40L, s.hits(), "the 40 cached neurons stay");
            long overflow = fm.layout().stride() * (hidden - 40);
            assertTrue(s.bytesRead() >= TOKENS.length * layers * overflow, "the rest is read every token: " + s.bytesRead());
        }
    }

    @Test
    void promptBatchesStreamWholeLayersOnceAndMatchDense() {
        // The predictor would pick a few neurons per row, but a batch of 12 rows reads every neuron once
        // for all of them, in order, and computes the dense layer: exact, whatever the sparsity.
        // Only the windows' warming uses the predictor.
        Path flash = TestModels.convert(TestModels.STORIES_260K, dir.resolve("prefill"), false);
        var options = new FlashFeedForward.Options(PredictorKind.LOW_RANK, 0.8, 0, 40, 8192, 3, 16384, null, false);
        try (FlashModel fm = FlashModel.open(flash, false, true);
             FlashFeedForward ff = new FlashFeedForward(fm, pool, options)) {
            int batch = 12;
            assertTrue(batch >= FlashFeedForward.PREFILL_MIN_BATCH);
            float[][] prefill = run(fm.model(), ff, batch);
            float[][] dense = denseLogits(TestModels.model(TestModels.STORIES_260K));
            for (int t = 0; t < TOKENS.length; t++) {
                assertArrayEquals(dense[t], prefill[t], F32_TOLERANCE, "logits after token " + t);
            }
            FlashStats s = ff.stats();
            long layerBytes = fm.layout().stride() * fm.config().hiddenDim();
            long passes = (long) fm.config().layers() * (TOKENS.length / batch);
            assertEquals(0, s.sparsity(), 1e-9, "every neuron of every row computed");
            assertTrue(s.bytesRead() >= passes * layerBytes, "each layer read once per batch: " + s.bytesRead());
            // Pages shared by two reads (8 KiB chunks here) are read twice; a second pass would double it.
            assertTrue(s.bytesRead() < 2 * passes * layerBytes, "and only once: " + s.bytesRead());
            // The window is warmed with the last row's predicted neurons, copied as their groups streamed past.
            NeuronWindow w = ff.window(0);
            assertTrue(w.size() > 0 && w.size() <= 40, "warmed: " + w.size());
            try (Model m = ModelLoader.load(TestModels.model(TestModels.STORIES_260K), null, false)) {
                var gate = m.tensor(TensorNames.ffnGate(0));
                var cached = ff.slabs(0).gate().tensor().data();
                long rowBytes = gate.rowBytes();
                for (int slot = 0; slot < w.size(); slot++) {
                    assertEquals(-1, cached.asSlice(slot * rowBytes, rowBytes)
                            .mismatch(gate.data().asSlice(w.neuronAt(slot) * rowBytes, rowBytes)), "slot " + slot);
                }
            }
        }
    }

    /** The dense model's feed-forward multiplied in float where it is mapped, as the flash file's is. */
    static float[][] denseLogits(Path gguf) {
        try (Model m = ModelLoader.load(gguf, null, false)) {
            return run(m, new DenseFeedForward(m, pool, 32, WeightLayout.MAPPED));
        }
    }

    static float[][] flashLogits(Path file, FlashFeedForward.Options options) {
        try (FlashModel fm = FlashModel.open(file, false, true);
             FlashFeedForward ff = new FlashFeedForward(fm, pool, options)) {
            return run(fm.model(), ff);
        }
    }

    /** Logits after each token, fed as prompt batches of 8 so batching is exercised too. */
    static float[][] run(Model m, dev.specula.runtime.engine.FeedForward ff) {
        return run(m, ff, 8);
    }

    static float[][] run(Model m, dev.specula.runtime.engine.FeedForward ff, int batch) {
        Transformer tr = new Transformer(m, pool, ff, batch);
        int vocab = m.config().vocabSize();
        float[][] out = new float[TOKENS.length][];
        int[] tokens = TOKENS.clone();
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] %= vocab;
        }
        try (Session s = tr.newSession(CpuAttention.factory(pool), 64)) {
            tr.forward(s, tokens, 0, tokens.length, (index, logits, offset) -> {
                out[index] = java.util.Arrays.copyOfRange(logits, offset, offset + vocab);
            });
        }
        return out;
    }

    private static float max(float[] v) {
        float m = Float.NEGATIVE_INFINITY;
        for (float x : v) {
            m = Math.max(m, x);
        }
        return m;
    }

    private static float min(float[] v) {
        float m = Float.POSITIVE_INFINITY;
        for (float x : v) {
            m = Math.min(m, x);
        }
        return m;
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
