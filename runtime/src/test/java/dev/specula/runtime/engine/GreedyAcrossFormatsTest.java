package dev.specula.runtime.engine;

import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.model.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TinyStories-656K as an F32 Hugging Face folder (BPE tokenizer.json, rotate-half RoPE) and as a
 * Q8_0 GGUF (gpt2 vocab, interleaved RoPE): both tokenizers agree on the prompt and greedy decoding
 * follows the same tokens. Q8_0 rounding may only flip a step where the F32 model itself is nearly
 * undecided: a divergence must be such a near tie, and divergences must be rare.
 */
class GreedyAcrossFormatsTest {
    private static final int STEPS = 32;
    /** Largest F32 logit gap that Q8_0 rounding may overturn (its logit error here is about 0.1). */
    private static final float NEAR_TIE = 0.1f;
    private static final String[] PROMPTS = {"Once upon a time", "The little dog", "Tom and Sue went to the park.",
            "One day, a cat"};
    private static ComputePool pool;
    private static Model hf;
    private static Model q8;

    @BeforeAll
    static void load() {
        pool = new ComputePool(2);
        hf = SharedModels.load("tinystories-656k", true);
        q8 = SharedModels.load("TinyStories-656K-Q8_0.gguf", true);
    }

    @AfterAll
    static void close() {
        hf.close();
        q8.close();
        pool.close();
    }

    @Test
    void sameGreedyContinuations() {
        int compared = 0;
        for (String prompt : PROMPTS) {
            compared += compareGreedy(prompt);
        }
        assertTrue(compared >= PROMPTS.length * STEPS * 3 / 4,
                "near ties cut the comparison to " + compared + " of " + PROMPTS.length * STEPS + " steps");
    }

    /** Greedy steps that agree (at most STEPS); a divergence must come from a near tie. */
    private static int compareGreedy(String prompt) {
        int[] tokens = hf.tokenizer().encode(prompt);
        assertArrayEquals(tokens, q8.tokenizer().encode(prompt), "the two tokenizers disagree on '" + prompt + "'");
        int[] withBos = new int[tokens.length + 1];
        withBos[0] = hf.tokenizer().bos();
        System.arraycopy(tokens, 0, withBos, 1, tokens.length);
        try (Decoding a = new Decoding(hf, withBos); Decoding b = new Decoding(q8, withBos)) {
            int step = 0;
            for (; step < STEPS && a.next() == b.next(); step++) {
                a.advance();
                b.advance();
            }
            if (step < STEPS) {
                float gap = a.logits[a.next()] - a.logits[b.next()];
                assertTrue(gap < NEAR_TIE, "'" + prompt + "' diverges at step " + step + " after '"
                        + hf.tokenizer().decode(Arrays.copyOf(a.out, step)) + "' although F32 prefers its token by "
                        + gap);
            }
            System.out.printf("'%s': %d greedy tokens identical: %s%n", prompt, step,
                    hf.tokenizer().decode(Arrays.copyOf(a.out, step)));
            return step;
        }
    }

    /** Greedy decoding one step at a time, so the two models can be compared step by step. */
    private static final class Decoding implements AutoCloseable {
        final Transformer transformer;
        final Session session;
        final int[] out = new int[STEPS];
        final int vocab;
        float[] logits;
        int steps;

        Decoding(Model model, int[] prompt) {
            transformer = new Transformer(model, pool, new DenseFeedForward(model, pool, 8), 8);
            session = transformer.newSession(CpuAttention.factory(pool), 128);
            vocab = model.config().vocabSize();
            logits = transformer.forward(session, prompt, 0, prompt.length);
        }

        int next() {
            int best = 0;
            for (int i = 1; i < vocab; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            return best;
        }

        void advance() {
            out[steps] = next();
            logits = transformer.forward(session, out, steps, 1);
            steps++;
        }

        @Override
        public void close() {
            session.close();
        }
    }
}
