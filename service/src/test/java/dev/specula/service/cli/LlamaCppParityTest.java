package dev.specula.service.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.format.gguf.GgufFile;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.engine.Session;
import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.format.ModelLocator;
import dev.specula.runtime.synth.SynthModelWriter;
import dev.specula.runtime.synth.SynthQuant;
import dev.specula.runtime.synth.SynthShape;
import dev.specula.runtime.synth.SynthVocabulary;
import dev.specula.runtime.tokenizer.Tokenizer;
import dev.specula.runtime.tokenizer.TokenizerFactory;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.DoubleSummaryStatistics;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * llama.cpp as the independent reference: the same GGUF files, read by llama.cpp's own loader and
 * kernels, must give the logits and token ids Specula gives. llama.cpp multiplies quantized weights by
 * activations it quantizes to 8 bits itself (Specula keeps them as floats), so logits agree to that
 * precision rather than exactly; a weight type decoded wrongly (a scale unpacked from the wrong bits, a
 * swapped half) would leave them barely correlated. {@code run-tests} installs the tool
 * ({@code tools/llama-cpp/install}); without it these tests are skipped.
 */
class LlamaCppParityTest {

    /** Widths of whole k-quant super-blocks (256), a vocabulary of bytes and a few pieces. */
    private static final SynthShape SHAPE = new SynthShape("parity", 256, 2, 4, 2, 512, 320, 64);
    /** SmolLM-135M's widths: 576 and 1536 are not whole super-blocks. */
    private static final SynthShape NARROW = new SynthShape("narrow", 576, 2, 9, 3, 1536, 320, 64);
    private static final String TEXT = "Once upon a time, there was a little girl named Lily. She loved to play outside.";

    private static LlamaCpp llama;

    @BeforeAll
    static void tool() {
        Path dir = Path.of(System.getProperty("specula.llama-cpp", LlamaCpp.defaultDir().toString()));
        assumeTrue(LlamaCpp.installed(dir), "llama.cpp baseline not installed in " + dir + " (tools/llama-cpp/install)");
        llama = LlamaCpp.at(dir);
    }

    /**
     * Every weight type synth writes, decoded by llama.cpp: the logits at every position correlate with
     * Specula's to within the 8-bit activations' rounding, and the largest difference is a small part of their
     * spread.
     */
    @ParameterizedTest
    @EnumSource(SynthQuant.class)
    void synthModelsOfEveryTypeGiveLlamaCppsLogits(SynthQuant quant, @TempDir Path dir) throws IOException {
        assertSynthModelAgrees(SHAPE, quant, dir.resolve("parity.gguf"));
    }

    /** A SentencePiece vocabulary with real scores: the same token ids for the same text. */
    @Test
    void tokenizesAsLlamaCpp() {
        Path file = ModelLocator.resolve("stories260K.gguf");
        try (Model model = ModelLoader.load(file, null)) {
            assertArrayEquals(llama.tokenize(file, List.of(TEXT)).getFirst(), model.tokenizer().encode(TEXT),
                    "token ids of " + TEXT);
        }
    }

    /**
     * llama.cpp's vocabulary files (SentencePiece, byte-level BPE with each model's pre-tokenizer, WordPiece)
     * tokenize real text as llama.cpp does: lines of WikiText-2 and TinyStories and strings that stress
     * whitespace, digits, contractions and scripts, beyond the fixed vectors {@code TokenizerVocabVectorsTest}
     * checks.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "phi-3", "gpt-2", "falcon", "mpt", "starcoder", "refact", "deepseek-coder",
            "deepseek-llm", "bert-bge", "gpt-neox", "baichuan"})
    void vocabulariesTokenizeTextAsLlamaCpp(String name) throws IOException {
        Path file = ModelLocator.modelsDirectory().resolve("vocab").resolve("ggml-vocab-" + name + ".gguf");
        Tokenizer tokenizer;
        try (Arena arena = Arena.ofShared()) {
            tokenizer = TokenizerFactory.fromGguf(file, GgufFile.read(file, arena).metadata().asMap());
        }
        List<String> texts = texts();
        List<int[]> theirs = llama.tokenize(file, texts);
        List<String> differ = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            int[] ours = tokenizer.encode(texts.get(i));
            if (!Arrays.equals(theirs.get(i), ours)) {
                differ.add(texts.get(i) + "\n  llama.cpp " + Arrays.toString(theirs.get(i)) + "\n  specula   "
                        + Arrays.toString(ours));
            }
        }
        assertTrue(differ.isEmpty(), name + ": " + differ.size() + " of " + texts.size() + " texts differ:\n"
                + String.join("\n", differ.subList(0, Math.min(5, differ.size()))));
    }

    /** 40 lines of WikiText-2, 20 of TinyStories, and strings at the edges of the pre-tokenizers' rules. */
    private static List<String> texts() throws IOException {
        Path corpus = Path.of(System.getProperty("specula.shared", "../shared"), "corpus");
        List<String> texts = new ArrayList<>();
        try (var lines = Files.lines(corpus.resolve("wikitext-2-test.raw"))) {
            lines.filter(l -> l.strip().length() > 20).limit(40).forEach(texts::add);
        }
        try (var lines = Files.lines(corpus.resolve("tinystories-valid-excerpt.txt"))) {
            lines.filter(l -> !l.isBlank()).limit(20).forEach(texts::add);
        }
        texts.addAll(List.of("  leading and   inner   spaces\ttabs\nnew lines\n\n", "I'm you're they'll we've ISN'T",
                "3.14159 1,000,000 12345678901 x2 2x", "Ünïcödé café naïve — “quotes” …", "日本語のテキストと中文",
                "emoji 😀🎉 and symbols @#$%^&*()", "def f(x):\n    return x ** 2  # code", "a\u00a0b\u2003c"));
        return texts;
    }

    /**
     * SmolLM's width (576, not whole 256-value super-blocks): in llama.cpp's mixes the matrices whose rows do
     * not divide fall back to the 32-value types its quantizer picks (Q5_0, Q5_1, Q8_0), and llama.cpp reads
     * the mix so.
     */
    @ParameterizedTest
    @EnumSource(value = SynthQuant.class, names = {"Q4_K_M", "Q5_K_M"})
    void narrowModelsWithFallbackTypesGiveLlamaCppsLogits(SynthQuant quant, @TempDir Path dir) throws IOException {
        assertSynthModelAgrees(NARROW, quant, dir.resolve("narrow.gguf"));
    }

    /** A seeded random model of this shape and type against llama.cpp, after BOS and 15 random tokens. */
    private static void assertSynthModelAgrees(SynthShape shape, SynthQuant quant, Path file) throws IOException {
        new SynthModelWriter(shape, quant, 7).write(file, false, done -> {
        });
        int[] tokens = IntStream.concat(IntStream.of(SynthVocabulary.BOS),
                new SplittableRandom(3).ints(15, 3, shape.vocab())).toArray();
        assertLogitsAgree(file, tokens, 0.9995, 0.03);
    }

    /**
     * The published models score the same tokens as llama.cpp does: F32 but for summation order, Q8_0 to
     * llama.cpp's 8-bit activations. (TinyStories-656K's GGUF vocabulary gives every piece the same score, so
     * it is a BPE vocabulary in the scores' disguise and Specula merges in its pieces' order, as the model's own
     * tokenizer.json does; llama.cpp merges leftmost first and splits some words differently, e.g. "little" as
     * li+tt+le, so its tokens are not compared.)
     */
    @ParameterizedTest
    @CsvSource({"stories260K.gguf, 0.99999, 0.001", "TinyStories-656K-Q8_0.gguf, 0.9995, 0.02"})
    void publishedModelsScoreAsLlamaCpp(String name, double minCorrelation, double maxDiffOfSpread) {
        Path file = ModelLocator.resolve(name);
        int[] tokens;
        try (Model model = ModelLoader.load(file, null)) {
            Tokenizer tokenizer = model.tokenizer();
            tokens = IntStream.concat(IntStream.of(tokenizer.bos()), IntStream.of(tokenizer.encode(TEXT))).toArray();
        }
        assertLogitsAgree(file, tokens, minCorrelation, maxDiffOfSpread);
    }

    private static void assertLogitsAgree(Path file, int[] tokens, double minCorrelation, double maxDiffOfSpread) {
        float[][] theirs = llama.logits(file, tokens);
        float[][] ours = logits(file, tokens);
        assertEquals(tokens.length, theirs.length, "llama.cpp's positions");
        for (int i = 0; i < tokens.length; i++) {
            assertEquals(ours[i].length, theirs[i].length, "vocabulary size");
            double correlation = correlation(ours[i], theirs[i]);
            double diff = 0;
            for (int t = 0; t < ours[i].length; t++) {
                diff = Math.max(diff, Math.abs(ours[i][t] - theirs[i][t]));
            }
            DoubleSummaryStatistics range = stats(theirs[i]);
            double spread = range.getMax() - range.getMin();
            String where = file.getFileName() + " after token " + i;
            assertTrue(correlation >= minCorrelation, where + ": correlation " + correlation);
            assertTrue(diff <= maxDiffOfSpread * spread, where + ": largest difference " + diff + " of a spread of "
                    + spread);
        }
    }

    /** Specula's logits after each token, the tokens given as one prompt (llama.cpp evaluates them as one batch too). */
    private static float[][] logits(Path file, int[] tokens) {
        try (Engine engine = Engine.cpu(ModelLoader.load(file, null), 2, 0);
             Session session = engine.transformer().newSession(engine.attention(), engine.contextLength())) {
            int vocab = engine.model().config().vocabSize();
            float[][] rows = new float[tokens.length][];
            engine.transformer().forward(session, tokens, 0, tokens.length,
                    (index, logits, offset) -> rows[index] = Arrays.copyOfRange(logits, offset, offset + vocab));
            return rows;
        }
    }

    private static double correlation(float[] a, float[] b) {
        double ma = stats(a).getAverage();
        double mb = stats(b).getAverage();
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (a[i] - ma) * (b[i] - mb);
            aa += (a[i] - ma) * (a[i] - ma);
            bb += (b[i] - mb) * (b[i] - mb);
        }
        return ab / Math.sqrt(aa * bb);
    }

    private static DoubleSummaryStatistics stats(float[] a) {
        return IntStream.range(0, a.length).mapToDouble(i -> a[i]).summaryStatistics();
    }
}
