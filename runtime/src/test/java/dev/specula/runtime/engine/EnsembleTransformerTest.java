package dev.specula.runtime.engine;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.lora.LoraAdapter;
import dev.specula.runtime.lora.LoraEnsemble;
import dev.specula.runtime.lora.LoraMerge;
import dev.specula.runtime.lora.LoraTarget;
import dev.specula.runtime.model.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The batched ensemble forward (K members as K rows of one batch) against each member run alone,
 * and the unmerged LoRA path against a model whose weights have the adapter merged in.
 */
class EnsembleTransformerTest {
    private static final int[] TOKENS = {1, 403, 407, 261, 378, 300, 259, 429};
    private static final int PROMPT = 4;
    private static ComputePool pool;
    private static Model model;

    @BeforeAll
    static void start() {
        pool = new ComputePool(2);
        model = SharedModels.load("stories260K.bin", false);
    }

    @AfterAll
    static void stop() {
        model.close();
        pool.close();
    }

    private static Transformer transformer(Model m) {
        return new Transformer(m, pool, new DenseFeedForward(m, pool, 8), 8);
    }

    private static LoraEnsemble ensemble(int members, Set<LoraTarget> targets, long seed) {
        Random random = new Random(seed);
        List<LoraAdapter> adapters = new ArrayList<>();
        for (int k = 0; k < members; k++) {
            adapters.add(LoraAdapter.random(model.config(), 4, 8, targets, random, 0.1, 0.1));
        }
        return LoraEnsemble.uniform(adapters, "stories260K.bin");
    }

    /** Member logits after the prompt (as one batch) and after each following token: [step][k*vocab + v]. */
    private static float[][] ensembleLogits(LoraEnsemble e) {
        EnsembleTransformer t = new EnsembleTransformer(transformer(model), e, pool);
        float[][] out = new float[TOKENS.length - PROMPT + 1][];
        try (EnsembleSession s = t.newSession(CpuAttention.factory(pool), 32)) {
            out[0] = t.forward(s, TOKENS, 0, PROMPT).clone();
            for (int i = PROMPT; i < TOKENS.length; i++) {
                out[i - PROMPT + 1] = Arrays.copyOf(t.forward(s, TOKENS, i, 1), e.size() * model.config().vocabSize());
            }
            assertEquals(TOKENS.length, s.position());
        }
        return out;
    }

    /** The same steps through the plain transformer of {@code m}. */
    private static float[][] plainLogits(Model m) {
        Transformer t = transformer(m);
        float[][] out = new float[TOKENS.length - PROMPT + 1][];
        try (Session s = t.newSession(CpuAttention.factory(pool), 32)) {
            out[0] = Arrays.copyOf(t.forward(s, TOKENS, 0, PROMPT), m.config().vocabSize());
            for (int i = PROMPT; i < TOKENS.length; i++) {
                out[i - PROMPT + 1] = Arrays.copyOf(t.forward(s, TOKENS, i, 1), m.config().vocabSize());
            }
        }
        return out;
    }

    private static float maxAbsDiff(float[] a, int aOff, float[] b, int bOff, int n) {
        float m = 0;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, Math.abs(a[aOff + i] - b[bOff + i]));
        }
        return m;
    }

    @Test
    void batchedMembersEqualEachMemberRunAlone() {
        LoraEnsemble e = ensemble(5, EnumSet.allOf(LoraTarget.class), 11);
        int vocab = model.config().vocabSize();
        float[][] together = ensembleLogits(e);
        for (int k = 0; k < e.size(); k++) {
            float[][] alone = ensembleLogits(LoraEnsemble.uniform(List.of(e.member(k)), "stories260K.bin"));
            for (int step = 0; step < together.length; step++) {
                float diff = maxAbsDiff(together[step], k * vocab, alone[step], 0, vocab);
                assertTrue(diff < 1e-4, "member " + k + " step " + step + ": max diff " + diff);
            }
        }
        // The members must really differ, or the comparison above proves little.
        assertTrue(maxAbsDiff(together[2], 0, together[2], vocab, vocab) > 0.01);
    }

    @Test
    void unmergedAdapterEqualsMergedWeights() {
        LoraEnsemble e = ensemble(1, EnumSet.allOf(LoraTarget.class), 5);
        int vocab = model.config().vocabSize();
        float[][] unmerged = ensembleLogits(e);
        float[][] base = plainLogits(model);
        try (Model merged = LoraMerge.merge(model, e.member(0))) {
            float[][] reference = plainLogits(merged);
            for (int step = 0; step < reference.length; step++) {
                float diff = maxAbsDiff(unmerged[step], 0, reference[step], 0, vocab);
                assertTrue(diff < 1e-3, "step " + step + ": max diff " + diff);
                assertTrue(maxAbsDiff(base[step], 0, reference[step], 0, vocab) > 0.01, "adapter changes nothing");
            }
        }
    }

    @Test
    void feedForwardWithoutLoraSupportRefusesFeedForwardTargets() {
        FeedForward sparse = (layer, x, out, batch) -> Arrays.fill(out, 0, batch * model.config().dim(), 0);
        Transformer t = new Transformer(model, pool, sparse, 8);
        EnsembleTransformer ok = new EnsembleTransformer(t, ensemble(2, EnumSet.of(LoraTarget.Q, LoraTarget.V), 1), pool);
        try (EnsembleSession s = ok.newSession(CpuAttention.factory(pool), 16)) {
            ok.forward(s, TOKENS, 0, 2);
        }
        EnsembleTransformer bad = new EnsembleTransformer(t, ensemble(2, EnumSet.of(LoraTarget.UP), 1), pool);
        try (EnsembleSession s = bad.newSession(CpuAttention.factory(pool), 16)) {
            SpeculaException ex = assertThrows(SpeculaException.class, () -> bad.forward(s, TOKENS, 0, 2));
            assertTrue(ex.getMessage().contains("gate/up/down"), ex.getMessage());
        }
    }
}
