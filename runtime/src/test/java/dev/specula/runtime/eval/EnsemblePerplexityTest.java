package dev.specula.runtime.eval;

import dev.specula.runtime.engine.AttentionFactory;
import dev.specula.runtime.engine.CpuAttention;
import dev.specula.runtime.engine.DenseFeedForward;
import dev.specula.runtime.engine.EnsembleTransformer;
import dev.specula.runtime.engine.SharedModels;
import dev.specula.runtime.engine.Transformer;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.lora.EnsembleLoader;
import dev.specula.runtime.lora.LoraEnsemble;
import dev.specula.runtime.lora.LoraMerge;
import dev.specula.runtime.model.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The perplexity of an ensemble's mixture and of its members, on stories260K with its bundled ensemble. */
class EnsemblePerplexityTest {
    private static final int CONTEXT = 128;
    private static final int WINDOWS = 6;
    /** The repository's models/ folder, from the module's folder where the tests run. */
    private static final Path BUNDLED = Path.of("..", "models", "stories260K.ensemble.safetensors");
    private static ComputePool pool;
    private static Model model;
    private static LoraEnsemble bundled;
    private static String text;

    @BeforeAll
    static void start() throws IOException {
        pool = new ComputePool(2);
        model = SharedModels.load("stories260K.gguf", true);
        bundled = EnsembleLoader.load(BUNDLED, model.config());
        Path corpus = Path.of(System.getProperty("specula.shared", "../shared"), "corpus");
        text = Files.readString(corpus.resolve("tinystories-valid-excerpt.txt"));
    }

    @AfterAll
    static void stop() {
        model.close();
        pool.close();
    }

    private static Transformer transformer(Model m) {
        return new Transformer(m, pool, new DenseFeedForward(m, pool, 32), 32);
    }

    private static EnsemblePerplexityResult perplexity(LoraEnsemble e) {
        return Perplexity.compute(new EnsembleTransformer(transformer(model), e, pool), model.tokenizer(),
                CpuAttention.factory(pool), text, CONTEXT, WINDOWS, n -> { });
    }

    @Test
    void theMixtureIsFiniteAndNoWorseThanItsMembersOnAverage() {
        EnsemblePerplexityResult r = perplexity(bundled);
        PerplexityResult mixture = r.mixture();
        assertTrue(Double.isFinite(mixture.perplexity()) && mixture.perplexity() > 1, "mixture " + mixture);
        assertEquals(bundled.size(), r.members().size());
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        double expectedNll = 0;
        for (int k = 0; k < bundled.size(); k++) {
            PerplexityResult m = r.members().get(k);
            assertEquals(mixture.scoredTokens(), m.scoredTokens());
            assertEquals(WINDOWS, m.chunks());
            min = Math.min(min, m.perplexity());
            max = Math.max(max, m.perplexity());
            expectedNll += bundled.priors()[k] * m.meanNll();
        }
        assertTrue(max > min * 1.001, "members are different adapters: " + r.members());
        // Jensen: log sum_k pi_k p_k >= sum_k pi_k log p_k at every token
        assertTrue(mixture.meanNll() <= expectedNll + 1e-9, mixture.meanNll() + " vs " + expectedNll);
    }

    /** A member's perplexity is the perplexity of the base with that adapter merged into its weights. */
    @Test
    void aMemberScoresAsItsMergedModel() {
        EnsemblePerplexityResult r = perplexity(bundled);
        Model merged = LoraMerge.merge(model, bundled.member(1)); // shares the base's tensors: not closed
        AttentionFactory attention = CpuAttention.factory(pool);
        PerplexityResult reference = Perplexity.compute(transformer(merged), model.tokenizer(), attention, text,
                CONTEXT, WINDOWS, n -> { });
        assertEquals(reference.scoredTokens(), r.members().get(1).scoredTokens());
        assertEquals(reference.perplexity(), r.members().get(1).perplexity(), 1e-4 * reference.perplexity());
    }

    @Test
    void threeIdenticalMembersScoreAsOne() {
        LoraEnsemble same = LoraEnsemble.uniform(List.of(bundled.member(0), bundled.member(0), bundled.member(0)),
                "stories260K");
        EnsemblePerplexityResult r = perplexity(same);
        PerplexityResult member = r.members().getFirst();
        for (PerplexityResult m : r.members()) {
            assertEquals(member, m);
        }
        assertEquals(member.meanNll(), r.mixture().meanNll(), 1e-9);
        assertEquals(member.perplexity(), r.mixture().perplexity(), 1e-9 * member.perplexity());
    }
}
