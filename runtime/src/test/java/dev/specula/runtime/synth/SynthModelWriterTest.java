package dev.specula.runtime.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.Correlation;
import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.engine.Session;
import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.TensorNames;
import dev.specula.runtime.tensor.GgmlType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class SynthModelWriterTest {

    /** Widths of whole k-quant super-blocks (256). */
    private static final SynthShape TINY = new SynthShape("tiny", 256, 2, 4, 2, 512, 320, 64);

    @ParameterizedTest
    @EnumSource(SynthQuant.class)
    void loadsWithRequestedTypesAndGeneratesFiniteLogits(SynthQuant quant, @TempDir Path dir) throws IOException {
        Path file = dir.resolve("tiny.gguf");
        SynthModelWriter writer = new SynthModelWriter(TINY, quant, 42);
        AtomicLong progress = new AtomicLong();
        writer.write(file, false, progress::set);
        assertEquals(writer.weightBytes(), progress.get(), "progress ends at the tensor bytes");

        // The engine owns the model and closes it.
        try (Engine engine = Engine.cpu(ModelLoader.load(file, null), 2, 0)) {
            Model model = engine.model();
            ModelConfig c = model.config();
            assertEquals(256, c.dim());
            assertEquals(2, c.layers());
            assertEquals(4, c.heads());
            assertEquals(2, c.kvHeads());
            assertEquals(512, c.hiddenDim());
            assertEquals(320, c.vocabSize());
            assertEquals(64, c.contextLength());
            for (String name : new String[]{TensorNames.TOKEN_EMBEDDING, TensorNames.attnK(1), TensorNames.ffnDown(0)}) {
                assertEquals(quant.type(), model.tensor(name).type(), name);
            }
            assertEquals(quant.outputType(), model.tensor(TensorNames.OUTPUT).type());
            assertEquals(quant.sensitiveType(1, 2), model.tensor(TensorNames.attnV(1)).type());
            assertEquals(quant.sensitiveType(1, 2), model.tensor(TensorNames.ffnDown(1)).type());
            assertEquals(GgmlType.F32, model.tensor(TensorNames.attnNorm(0)).type());
            assertEquals(GgmlType.F32, model.tensor(TensorNames.OUTPUT_NORM).type());

            String text = "hi there, é!";
            int[] tokens = model.tokenizer().encode(text);
            assertEquals(text, model.tokenizer().decode(tokens).strip(), "byte fallback covers what the pieces do not");
            tokens = IntStream.concat(IntStream.of(SynthVocabulary.BOS), IntStream.of(tokens)).toArray();

            try (Session session = engine.transformer().newSession(engine.attention(), engine.contextLength())) {
                float[] logits = engine.transformer().forward(session, tokens, 0, tokens.length);
                float min = Float.POSITIVE_INFINITY;
                float max = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < c.vocabSize(); i++) {
                    assertTrue(Float.isFinite(logits[i]), "logit " + i + " = " + logits[i]);
                    min = Math.min(min, logits[i]);
                    max = Math.max(max, logits[i]);
                }
                assertTrue(max - min > 0.1f && max - min < 100f, "logits spread " + min + ".." + max);
            }
        }
    }

    /**
     * The same seed draws the same float weights whatever the type, so each quantized model's logits follow the F32
     * model's, as closely as its type's precision allows: an independent check of every quantized kernel path
     * (prompt batch, then decode) against plain float arithmetic.
     */
    @ParameterizedTest
    @CsvSource({"F16, 0.9999", "BF16, 0.999", "Q8_0, 0.999", "Q6_K, 0.995", "Q5_K, 0.99", "Q4_0, 0.97", "Q5_0, 0.99", "Q5_1, 0.99", "Q4_1, 0.97", "Q4_K, 0.97", "IQ4_NL, 0.97", "IQ4_XS, 0.97", "Q4_K_M, 0.97", "Q3_K, 0.9", "Q2_K, 0.7"})
    void quantizedLogitsFollowTheF32Model(SynthQuant quant, double minCorrelation, @TempDir Path dir) throws IOException {
        float[] reference = lastLogits(dir, SynthQuant.F32);
        float[] quantized = lastLogits(dir, quant);
        double correlation = Correlation.of(reference, quantized);
        assertTrue(correlation >= minCorrelation, quant + " logits correlate " + correlation + " with F32's");
        assertTrue(correlation < 1, quant + " logits are not F32's own");
    }

    /**
     * llama.cpp's Q4_K_M on a 22-layer model (tinyllama-1.1b): attn_v and ffn_down in Q6_K for layers 0-1 and
     * 19-21 (the first and last eighth) and every third layer in between from 4, the output head in Q6_K.
     */
    @Test
    void mixesUpgradeTheLayersLlamaCppUpgrades() {
        List<Integer> upgraded = IntStream.range(0, 22)
                .filter(l -> SynthQuant.Q4_K_M.sensitiveType(l, 22) == GgmlType.Q6_K).boxed().toList();
        assertEquals(List.of(0, 1, 4, 7, 10, 13, 16, 19, 20, 21), upgraded);
        assertEquals(GgmlType.Q4_K, SynthQuant.Q4_K_M.sensitiveType(2, 22));
        assertEquals(GgmlType.Q6_K, SynthQuant.Q4_K_M.outputType());
        assertEquals(GgmlType.Q5_K, SynthQuant.Q5_K_M.sensitiveType(2, 22));
        assertEquals(GgmlType.Q4_K, SynthQuant.Q4_K.sensitiveType(0, 22));
        assertEquals(GgmlType.Q4_K, SynthQuant.Q4_K.outputType());
        assertEquals(GgmlType.Q5_1, SynthQuant.Q5_K_M.fit(GgmlType.Q5_K, 576));
        assertEquals(GgmlType.Q8_0, SynthQuant.Q5_K_M.fit(GgmlType.Q6_K, 576));
        assertEquals(GgmlType.Q5_K, SynthQuant.Q5_K_M.fit(GgmlType.Q5_K, 1536));
        assertEquals(GgmlType.Q4_K, SynthQuant.Q4_K.fit(GgmlType.Q4_K, 576), "only the mixes fall back");
    }

    /**
     * SmolLM's width (576) is not whole super-blocks: as llama.cpp does, Q4_K_M writes those rows in Q5_0 (Q8_0 where
     * they would be Q6_K, the output head) and keeps k-quants for the feed-forward's 1536-wide rows; the model then
     * follows the F32 one as the plain Q4_K_M does.
     */
    @Test
    void q4KmFallsBackWhereRowsAreNotWholeSuperBlocks(@TempDir Path dir) throws IOException {
        SynthShape smol = new SynthShape("smol", 576, 2, 9, 3, 1536, 320, 64);
        Path file = dir.resolve("smol.gguf");
        new SynthModelWriter(smol, SynthQuant.Q4_K_M, 7).write(file, false, done -> { });
        try (Model model = ModelLoader.load(file, null)) {
            assertEquals(GgmlType.Q5_0, model.tensor(TensorNames.TOKEN_EMBEDDING).type());
            assertEquals(GgmlType.Q5_0, model.tensor(TensorNames.attnQ(0)).type());
            assertEquals(GgmlType.Q5_0, model.tensor(TensorNames.ffnUp(0)).type());
            assertEquals(GgmlType.Q4_K, model.tensor(TensorNames.ffnDown(0)).type());
            assertEquals(GgmlType.Q6_K, model.tensor(TensorNames.ffnDown(1)).type());
            assertEquals(GgmlType.Q8_0, model.tensor(TensorNames.attnV(1)).type());
            assertEquals(GgmlType.Q8_0, model.tensor(TensorNames.OUTPUT).type());
        }
        double correlation = Correlation.of(lastLogits(dir, smol, SynthQuant.F32), lastLogits(dir, smol, SynthQuant.Q4_K_M));
        assertTrue(correlation >= 0.97 && correlation < 1, "Q4_K_M with fallbacks correlates " + correlation);
    }

    private static float[] lastLogits(Path dir, SynthQuant quant) throws IOException {
        return lastLogits(dir, TINY, quant);
    }

    private static float[] lastLogits(Path dir, SynthShape shape, SynthQuant quant) throws IOException {
        Path file = dir.resolve(shape.name() + "-" + quant + ".gguf");
        new SynthModelWriter(shape, quant, 7).write(file, false, done -> { });
        try (Engine engine = Engine.cpu(ModelLoader.load(file, null), 2, 0);
             Session session = engine.transformer().newSession(engine.attention(), engine.contextLength())) {
            int[] prompt = {SynthVocabulary.BOS, 300, 17, 42, 260, 99, 5, 311};
            engine.transformer().forward(session, prompt, 0, prompt.length);
            return engine.transformer().forward(session, new int[]{123}, 0, 1).clone();
        }
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes(@TempDir Path dir) throws IOException {
        Path a = dir.resolve("a.gguf");
        Path b = dir.resolve("b.gguf");
        Path c = dir.resolve("c.gguf");
        new SynthModelWriter(TINY, SynthQuant.Q4_0, 7).write(a, false, n -> { });
        new SynthModelWriter(TINY, SynthQuant.Q4_0, 7).write(b, false, n -> { });
        new SynthModelWriter(TINY, SynthQuant.Q4_0, 8).write(c, false, n -> { });
        byte[] bytesA = Files.readAllBytes(a);
        assertArrayEquals(bytesA, Files.readAllBytes(b));
        byte[] bytesC = Files.readAllBytes(c);
        assertEquals(bytesA.length, bytesC.length);
        assertFalse(java.util.Arrays.equals(bytesA, bytesC));
    }

    @Test
    void refusesToOverwriteUnlessAsked(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("m.gguf");
        Files.writeString(file, "keep me");
        SynthModelWriter writer = new SynthModelWriter(TINY, SynthQuant.F32, 1);
        SpeculaException e = assertThrows(SpeculaException.class, () -> writer.write(file, false, n -> { }));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertEquals("keep me", Files.readString(file));
        writer.write(file, true, n -> { });
        assertTrue(ModelLoader.isGguf(file));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no partial file left behind");
        }
    }

    @Test
    void rejectsShapesTheQuantCannotEncode() {
        SynthShape odd = new SynthShape("odd", 64, 1, 4, 4, 100, 320, 16);
        SpeculaException e = assertThrows(SpeculaException.class, () -> new SynthModelWriter(odd, SynthQuant.Q8_0, 1));
        assertTrue(e.getMessage().contains("ffn (100)"), e.getMessage());
        new SynthModelWriter(odd, SynthQuant.F16, 1); // any size is fine unquantized
        assertThrows(SpeculaException.class, () -> new SynthModelWriter(
                new SynthShape("gqa", 64, 1, 4, 3, 64, 320, 16), SynthQuant.F32, 1));
        assertThrows(SpeculaException.class, () -> new SynthModelWriter(
                new SynthShape("v", 64, 1, 4, 4, 64, 100, 16), SynthQuant.F32, 1));
        assertThrows(SpeculaException.class, () -> SynthShape.named("gpt-5"));
        assertEquals(2048, SynthShape.named("tinyllama-1.1b").dim());
    }
}
