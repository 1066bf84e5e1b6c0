package dev.specula.runtime.eval;

import dev.specula.runtime.engine.CpuAttention;
import dev.specula.runtime.engine.DenseFeedForward;
import dev.specula.runtime.engine.KvCacheType;
import dev.specula.runtime.engine.SharedModels;
import dev.specula.runtime.engine.Transformer;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.model.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Perplexity of the small real models on the shared corpora: finite, plausible, and format-independent. */
class PerplexityTest {
    private static final int CONTEXT = 128;
    private static final int WINDOWS = 12;
    private static ComputePool pool;
    private static String stories;
    private static String wikitext;

    @BeforeAll
    static void start() throws IOException {
        pool = new ComputePool(2);
        Path corpus = Path.of(System.getProperty("specula.shared", "../shared"), "corpus");
        stories = Files.readString(corpus.resolve("tinystories-valid-excerpt.txt"));
        wikitext = Files.readString(corpus.resolve("wikitext-2-test.raw")).substring(0, 20_000);
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    private static PerplexityResult perplexity(String model, String text) {
        return perplexity(model, text, KvCacheType.F32);
    }

    private static PerplexityResult perplexity(String model, String text, KvCacheType cache) {
        try (Model m = SharedModels.load(model, true)) {
            Transformer t = new Transformer(m, pool, new DenseFeedForward(m, pool, 32), 32);
            return Perplexity.compute(t, m.tokenizer(), CpuAttention.factory(pool, cache), text, CONTEXT, WINDOWS,
                    n -> { });
        }
    }

    /** Keys and values rounded to half floats move perplexity by under a thousandth, on both real models. */
    @Test
    void anF16CacheScoresAsTheF32One() {
        for (String model : new String[]{"stories260K.gguf", "tinystories-656k"}) {
            PerplexityResult f32 = perplexity(model, stories, KvCacheType.F32);
            PerplexityResult f16 = perplexity(model, stories, KvCacheType.F16);
            assertEquals(f32.scoredTokens(), f16.scoredTokens());
            assertNotEquals(f32.perplexity(), f16.perplexity(), model + ": the F16 cache was not used");
            assertEquals(f32.perplexity(), f16.perplexity(), 1e-3 * f32.perplexity(), model);
        }
    }

    @Test
    void llama2cAndGgufOfTheSameModelScoreTheSame() {
        PerplexityResult bin = perplexity("stories260K.bin", stories);
        PerplexityResult gguf = perplexity("stories260K.gguf", stories);
        assertEquals(bin.scoredTokens(), gguf.scoredTokens(), "both vocabularies tokenize the text alike");
        assertEquals(bin.perplexity(), gguf.perplexity(), 1e-4 * bin.perplexity());
        assertTrue(bin.perplexity() > 2 && bin.perplexity() < 20, "implausible perplexity " + bin.perplexity());
    }

    @Test
    void quantizedGgufStaysCloseToTheF32Folder() {
        PerplexityResult f32 = perplexity("tinystories-656k", stories);
        PerplexityResult q8 = perplexity("TinyStories-656K-Q8_0.gguf", stories);
        assertEquals(f32.scoredTokens(), q8.scoredTokens());
        assertTrue(Double.isFinite(q8.perplexity()));
        assertEquals(f32.perplexity(), q8.perplexity(), 0.01 * f32.perplexity(), "Q8_0 costs more than 1%");
        assertTrue(f32.perplexity() > 5 && f32.perplexity() < 100, "implausible perplexity " + f32.perplexity());
    }

    @Test
    void storiesModelsFindWikipediaHarderThanStories() {
        for (String model : new String[]{"stories260K.gguf", "TinyStories-656K-Q8_0.gguf"}) {
            double inDomain = perplexity(model, stories).perplexity();
            double outOfDomain = perplexity(model, wikitext).perplexity();
            assertTrue(outOfDomain > 2 * inDomain, model + ": wikitext " + outOfDomain + " vs stories " + inDomain);
        }
    }
}
