package dev.specula.runtime.engine;

import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.model.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The forward pass against independent references: the same weights stored in another format
 * (llama2.c vs GGUF; Hugging Face rotate-half F32 vs GGUF interleaved Q8_0), and prompt batching
 * against token-by-token decoding.
 */
class TransformerParityTest {
    private static final int[] TOKENS = {1, 403, 407, 261, 378, 300, 259, 429, 270, 12, 480, 100, 2, 77, 300};
    private static ComputePool pool;

    @BeforeAll
    static void start() {
        pool = new ComputePool(2);
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    /** Logits after each token, feeding the tokens one at a time or all in one batched call. */
    private static float[][] logits(Model model, int[] tokens, int maxBatch, boolean batched) {
        Transformer t = new Transformer(model, pool, new DenseFeedForward(model, pool, maxBatch), maxBatch);
        int vocab = model.config().vocabSize();
        float[][] out = new float[tokens.length][];
        try (Session s = t.newSession(CpuAttention.factory(pool), 64)) {
            if (batched) {
                t.forward(s, tokens, 0, tokens.length,
                        (i, logits, off) -> out[i] = Arrays.copyOfRange(logits, off, off + vocab));
            } else {
                for (int i = 0; i < tokens.length; i++) {
                    out[i] = Arrays.copyOf(t.forward(s, tokens, i, 1), vocab);
                }
            }
        }
        return out;
    }

    private static float maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    private static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void llama2cCheckpointAndGgufGiveTheSameLogits() {
        try (Model bin = SharedModels.load("stories260K.bin", false);
             Model gguf = SharedModels.load("stories260K.gguf", false)) {
            float[][] a = logits(bin, TOKENS, 32, false);
            float[][] b = logits(gguf, TOKENS, 32, false);
            for (int i = 0; i < TOKENS.length; i++) {
                assertTrue(maxAbsDiff(a[i], b[i]) < 1e-4f, "position " + i + ": " + maxAbsDiff(a[i], b[i]));
            }
            assertTrue(spread(a[3]) > 1f, "logits are not degenerate");
        }
    }

    private static float spread(float[] x) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : x) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return max - min;
    }

    @Test
    void batchedPromptEqualsTokenByToken() {
        try (Model gguf = SharedModels.load("stories260K.gguf", false)) {
            float[][] oneByOne = logits(gguf, TOKENS, 32, false);
            float[][] batched = logits(gguf, TOKENS, 32, true);
            float[][] smallBatches = logits(gguf, TOKENS, 4, true);
            for (int i = 0; i < TOKENS.length; i++) {
                assertTrue(maxAbsDiff(oneByOne[i], batched[i]) < 1e-4f, "batched, position " + i);
                assertTrue(maxAbsDiff(oneByOne[i], smallBatches[i]) < 1e-4f, "batches of 4, position " + i);
            }
        }
    }

    /** A batch longer than the rows of logits held at once: the head runs in chunks, the last token's logits returned. */
    @Test
    void promptBatchesLongerThanTheHeadChunkScoreEveryToken() {
        int[] tokens = new SplittableRandom(5).ints(Transformer.HEAD_ROWS + 9, 3, 512).toArray();
        try (Model gguf = SharedModels.load("stories260K.gguf", false)) {
            float[][] oneByOne = logits(gguf, tokens, 64, false);
            float[][] batched = logits(gguf, tokens, 64, true);
            for (int i = 0; i < tokens.length; i++) {
                assertTrue(maxAbsDiff(oneByOne[i], batched[i]) < 1e-4f, "position " + i);
            }
            Transformer t = new Transformer(gguf, pool, new DenseFeedForward(gguf, pool, 64), 64);
            try (Session s = t.newSession(CpuAttention.factory(pool), 64)) {
                float[] last = t.forward(s, tokens, 0, tokens.length, (i, logits, off) -> { });
                assertTrue(maxAbsDiff(oneByOne[tokens.length - 1], Arrays.copyOf(last, 512)) < 1e-4f, "returned");
            }
        }
    }

    @Test
    void huggingFaceFolderAndQ8GgufAgree() {
        int[] tokens = {1, 40, 400, 1000, 1500, 7, 300, 2000, 99, 512};
        try (Model hf = SharedModels.load("tinystories-656k", false);
             Model q8 = SharedModels.load("TinyStories-656K-Q8_0.gguf", false)) {
            float[][] a = logits(hf, tokens, 32, true);
            float[][] b = logits(q8, tokens, 32, true);
            int sameArgmax = 0;
            for (int i = 0; i < tokens.length; i++) {
                float diff = maxAbsDiff(a[i], b[i]);
                assertTrue(diff < 0.05f * spread(a[i]), "position " + i + ": max diff " + diff + " of spread " + spread(a[i]));
                sameArgmax += argmax(a[i]) == argmax(b[i]) ? 1 : 0;
            }
            assertTrue(sameArgmax >= tokens.length - 1, "argmax agrees at " + sameArgmax + " of " + tokens.length);
        }
    }

    @Test
    void greedyDecodingIsIdenticalAcrossFormats() {
        try (Model hf = SharedModels.load("tinystories-656k", false);
             Model q8 = SharedModels.load("TinyStories-656K-Q8_0.gguf", false)) {
            assertArrayEquals(greedy(hf, new int[]{1, 400}, 20), greedy(q8, new int[]{1, 400}, 20));
        }
    }

    private static int[] greedy(Model model, int[] prompt, int steps) {
        Transformer t = new Transformer(model, pool, new DenseFeedForward(model, pool, 8), 8);
        int[] out = new int[steps];
        try (Session s = t.newSession(CpuAttention.factory(pool), 64)) {
            float[] logits = t.forward(s, prompt, 0, prompt.length);
            for (int i = 0; i < steps; i++) {
                out[i] = argmax(Arrays.copyOf(logits, model.config().vocabSize()));
                logits = t.forward(s, out, i, 1);
            }
        }
        return out;
    }
}
