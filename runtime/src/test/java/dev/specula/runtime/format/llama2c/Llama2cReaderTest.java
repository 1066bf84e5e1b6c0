package dev.specula.runtime.format.llama2c;

import dev.specula.runtime.format.ModelFormatException;
import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.format.ParsedModel;
import dev.specula.runtime.format.TestFiles;
import dev.specula.runtime.model.TensorNames;
import dev.specula.runtime.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Llama2cReaderTest {
    // dim 8, hidden 16, 2 layers, 2 heads, 1 kv head, vocab 4, seq_len 3 -> head size 4, kv dim 4
    private static final int[] HEADER = {8, 16, 2, 2, 1, 4, 3};
    /** Floats after the header: embedding, per-layer arrays, final norm, RoPE tables. */
    private static final int FLOATS = 4 * 8 + 2 * (8 + 64 + 32 + 32 + 64 + 8 + 3 * 128) + 8 + 3 * 4;

    private static byte[] checkpoint(int[] header, int floats) {
        return TestFiles.floatsLE(header, TestFiles.ramp(floats, 0));
    }

    private static String failure(byte[] bytes) {
        return assertThrows(ModelFormatException.class, () -> Llama2cReader.read(TestFiles.reader(bytes))).getMessage();
    }

    @Test
    void slicesArraysInRunCOrder() {
        ParsedModel m = Llama2cReader.read(TestFiles.reader(checkpoint(HEADER, FLOATS)));
        assertEquals(4, m.config().vocabSize());
        assertEquals(4, m.config().kvDim());
        assertEquals(1e-5f, m.config().rmsNormEps());
        assertFalse(m.tensors().containsKey(TensorNames.OUTPUT));
        // Offsets in floats: embedding 32, rms_att 2x8, wq 2x64, wk 2x32, wv 2x32, wo 2x64, rms_ffn 2x8,
        // w1 2x128 (gate), w2 2x128 (down), w3 2x128 (up).
        assertFirstValue(m, TensorNames.TOKEN_EMBEDDING, 0);
        assertFirstValue(m, TensorNames.attnNorm(1), 32 + 8);
        assertFirstValue(m, TensorNames.attnQ(0), 48);
        assertFirstValue(m, TensorNames.attnK(1), 48 + 128 + 32);
        assertFirstValue(m, TensorNames.ffnGate(0), 48 + 128 + 64 + 64 + 128 + 16);
        assertFirstValue(m, TensorNames.ffnDown(0), 448 + 256);
        assertFirstValue(m, TensorNames.ffnUp(1), 448 + 512 + 128);
        assertFirstValue(m, TensorNames.OUTPUT_NORM, 448 + 768);
        assertArrayEquals(new long[] {16, 8}, m.tensors().get(TensorNames.ffnDown(1)).dims());
        assertArrayEquals(new long[] {8, 4}, m.tensors().get(TensorNames.attnV(0)).dims());
    }

    private static void assertFirstValue(ParsedModel m, String name, int floatIndex) {
        Tensor t = m.tensors().get(name);
        assertEquals(floatIndex / 1000f, t.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0), name);
    }

    @Test
    void negativeVocabMeansASeparateClassifier() {
        int[] header = HEADER.clone();
        header[5] = -4;
        ParsedModel m = Llama2cReader.read(TestFiles.reader(checkpoint(header, FLOATS + 32)));
        assertEquals(4, m.config().vocabSize());
        assertFirstValue(m, TensorNames.OUTPUT, FLOATS);
    }

    @Test
    void fileSizeMustMatchTheHeaderExactly() {
        assertTrue(failure(checkpoint(HEADER, FLOATS + 1)).contains("does not match its header, which implies "
                + (28 + 4 * FLOATS) + " bytes"));
        assertTrue(failure(checkpoint(HEADER, FLOATS - 1)).contains("does not match its header"));
        int[] unshared = HEADER.clone();
        unshared[5] = -4;
        assertTrue(failure(checkpoint(unshared, FLOATS)).contains("does not match its header"));
    }

    @Test
    void badHeaders() {
        byte[] good = checkpoint(HEADER, FLOATS);
        for (int length = 0; length < 28; length++) {
            byte[] prefix = Arrays.copyOf(good, length);
            assertTrue(failure(prefix).contains("truncated file"), "prefix " + length);
        }
        int[] zeroHeads = HEADER.clone();
        zeroHeads[3] = 0;
        assertTrue(failure(checkpoint(zeroHeads, FLOATS)).contains("n_heads = 0 must be positive"));
        int[] uneven = HEADER.clone();
        uneven[3] = 3;
        assertTrue(failure(checkpoint(uneven, FLOATS)).contains("invalid model hyper-parameters"));
        int[] huge = {1 << 30, Integer.MAX_VALUE, Integer.MAX_VALUE, 2, 2, -Integer.MAX_VALUE, 1 << 30};
        assertTrue(failure(checkpoint(huge, 0)).contains("impossibly large"));
        int[] zeroVocab = HEADER.clone();
        zeroVocab[5] = 0;
        assertTrue(failure(checkpoint(zeroVocab, FLOATS)).contains("vocabSize must be positive"));
    }

    @Test
    void tokenizerIsLookedUpBesideTheCheckpoint(@TempDir Path dir) throws IOException {
        Path model = dir.resolve("m.bin");
        Files.write(model, checkpoint(HEADER, FLOATS));
        ModelFormatException none = assertThrows(ModelFormatException.class, () -> ModelLoader.load(model, null));
        assertTrue(none.getMessage().contains("looked for tok4.bin and tokenizer.bin"), none.getMessage());
        Files.write(dir.resolve("tokenizer.bin"), new byte[0]);
        assertEquals(dir.resolve("tokenizer.bin"), Llama2cReader.findTokenizer(model, 4));
        Files.write(dir.resolve("tok4.bin"), new byte[0]);
        assertEquals(dir.resolve("tok4.bin"), Llama2cReader.findTokenizer(model, 4));
        try (var m = ModelLoader.load(model, null, false)) {
            assertEquals("llama2c", m.format());
        }
    }
}
