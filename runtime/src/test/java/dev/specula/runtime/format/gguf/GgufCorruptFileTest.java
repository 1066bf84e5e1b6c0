package dev.specula.runtime.format.gguf;

import dev.specula.runtime.format.ModelFormatException;
import dev.specula.runtime.format.ParsedModel;
import dev.specula.runtime.format.SegmentReader;
import dev.specula.runtime.format.TestFiles;
import dev.specula.runtime.model.TensorNames;
import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static dev.specula.runtime.format.TestFiles.after;
import static dev.specula.runtime.format.TestFiles.patchInt;
import static dev.specula.runtime.format.TestFiles.patchLong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class GgufCorruptFileTest {
    private static byte[] tiny;
    /** Where the last tensor's data ends: every shorter prefix is a truncated file. */
    private static int dataEnd;

    @BeforeAll
    static void writeTinyModel() throws IOException {
        tiny = TestFiles.tinyLlamaGguf(8, GgmlType.F32);
        SegmentReader reader = TestFiles.reader(tiny);
        GgufFile g = GgufFile.read(reader);
        Tensor last = g.tensors().values().stream().reduce((a, b) -> b).orElseThrow();
        dataEnd = (int) (last.data().address() - reader.segment().address() + last.byteSize());
    }

    private static ParsedModel load(byte[] bytes) {
        return GgufModelReader.read(GgufFile.read(TestFiles.reader(bytes)));
    }

    private static String failure(byte[] bytes) {
        return assertThrows(ModelFormatException.class, () -> load(bytes)).getMessage();
    }

    private static void assertFails(byte[] bytes, String expected) {
        String message = failure(bytes);
        assertTrue(message.startsWith(TestFiles.FAKE.toString()), message);
        assertTrue(message.contains(expected), "expected '" + expected + "' in: " + message);
    }

    @Test
    void theTinyModelItselfLoads() {
        ParsedModel m = load(tiny);
        assertEquals(8, m.config().dim());
        assertEquals(4, m.config().vocabSize());
        assertEquals(2, m.config().heads());
        assertEquals(1, m.config().kvHeads());
        assertEquals(10000f, m.config().ropeTheta());
    }

    @Test
    void everyTruncationIsAFormatError() {
        for (int length = 0; length < dataEnd; length++) {
            int n = length;
            try {
                GgufFile.read(TestFiles.reader(tiny, n));
                fail("a prefix of " + n + " bytes was accepted");
            } catch (ModelFormatException expected) {
                assertTrue(expected.getMessage().contains("offset"), expected.getMessage());
            } catch (RuntimeException | Error other) {
                throw new AssertionError("prefix of " + n + " bytes threw " + other, other);
            }
        }
        // The padding after the last tensor is not needed to read it.
        load(java.util.Arrays.copyOf(tiny, dataEnd));
    }

    @Test
    void truncationMessagesSayWhatWasBeingRead() {
        assertFails(java.util.Arrays.copyOf(tiny, 2), "at offset 0: truncated file: reading magic");
        // Without tensors, so that the early tensor-count plausibility check does not fire first.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GgufWriter w = new GgufWriter(bytes)) {
            w.putString("general.architecture", "llama");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        byte[] metadataOnly = bytes.toByteArray();
        assertFails(java.util.Arrays.copyOf(metadataOnly, after(metadataOnly, "general.architecture") + 2),
                "reading type of metadata value general.architecture");
        assertFails(java.util.Arrays.copyOf(metadataOnly, after(metadataOnly, "general.architecture") + 14),
                "reading general.architecture needs 5 bytes but only 2 remain");
        assertFails(java.util.Arrays.copyOf(tiny, after(tiny, TensorNames.attnQ(0)) + 3),
                "reading dimension count of tensor blk.0.attn_q.weight");
    }

    @Test
    void wrongMagic() {
        assertFails(patchInt(tiny, 0, 0x4c4c4747), "at offset 0: not a GGUF file");
    }

    @Test
    void unsupportedVersions() {
        assertFails(patchInt(tiny, 4, 1), "unsupported GGUF version 1");
        assertFails(patchInt(tiny, 4, 4), "unsupported GGUF version 4");
        assertFails(patchInt(tiny, 4, Integer.reverseBytes(3)), "big-endian");
    }

    @Test
    void version2IsRead() {
        assertEquals(2, GgufFile.read(TestFiles.reader(patchInt(tiny, 4, 2))).version());
    }

    @Test
    void absurdCounts() {
        assertFails(patchLong(tiny, 8, 1L << 40), "tensor count");
        assertFails(patchLong(tiny, 8, -1), "tensor count");
        assertFails(patchLong(tiny, 16, 1L << 40), "metadata entry count");
        // The length of the first key.
        assertFails(patchLong(tiny, 24, 1L << 50), "reading metadata key #0");
        assertFails(patchLong(tiny, 24, -1), "reading metadata key #0");
        // The length of the tokens array.
        assertFails(patchLong(tiny, after(tiny, "tokenizer.ggml.tokens") + 8, 1L << 40),
                "array tokenizer.ggml.tokens: count");
    }

    @Test
    void absurdDimensions() {
        int dims = after(tiny, TensorNames.attnQ(0));
        assertFails(patchInt(tiny, dims, 5), "has 5 dimensions");
        assertFails(patchInt(tiny, dims, 0), "has 0 dimensions");
        assertFails(patchLong(tiny, dims + 4, 1L << 40), "past the end of the file");
        assertFails(patchLong(patchLong(tiny, dims + 4, 1L << 40), dims + 12, 1L << 40), "impossibly large");
        assertFails(patchLong(tiny, dims + 4, -8), "bad dimension");
    }

    @Test
    void unknownTypeIds() {
        int typeOfQ = after(tiny, TensorNames.attnQ(0)) + 4 + 2 * 8;
        assertFails(patchInt(tiny, typeOfQ, 99), "unknown tensor type id 99 in tensor blk.0.attn_q.weight");
        assertFails(patchInt(tiny, typeOfQ, 4), "unknown tensor type id 4 in tensor blk.0.attn_q.weight");
        assertFails(patchInt(tiny, after(tiny, "general.name"), 13), "unknown metadata value type id 13");
        assertFails(patchInt(tiny, after(tiny, "tokenizer.ggml.scores") + 4, 200),
                "unknown metadata value type id 200 (element type of array tokenizer.ggml.scores)");
    }

    @Test
    void knownButUnsupportedTensorType() throws IOException {
        String message = failure(TestFiles.tinyLlamaGguf(256, GgmlType.IQ2_XXS));
        assertEquals(TestFiles.FAKE + ": unsupported tensor type IQ2_XXS in tensor blk.0.attn_q.weight", message);
    }

    @Test
    void tensorDataOutOfBoundsOrUnaligned() {
        int offsetOfDown = after(tiny, TensorNames.ffnDown(0)) + 4 + 2 * 8 + 4;
        assertFails(patchLong(tiny, offsetOfDown, 1L << 20), "data of tensor blk.0.ffn_down.weight");
        assertFails(patchLong(tiny, offsetOfDown, Long.MAX_VALUE - 31), "past the end of the file");
        assertFails(patchLong(tiny, offsetOfDown, 4), "data offset 4 is not a multiple of the alignment 32");
    }

    @Test
    void badBoolAndAlignment() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GgufWriter w = new GgufWriter(bytes)) {
            w.putBool("flag", true).put(GgufFile.ALIGNMENT_KEY, GgufValueType.UINT32, 32L);
        }
        byte[] file = bytes.toByteArray();
        assertFails(patchInt(file, after(file, "flag") + 4, 7), "bad bool value 7");
        assertFails(patchInt(file, after(file, GgufFile.ALIGNMENT_KEY) + 4, 3), "must be a power of two");
        assertFails(patchInt(file, after(file, GgufFile.ALIGNMENT_KEY) + 4, 0), "must be a power of two");
    }

    @Test
    void deeplyNestedArraysAreRefused() {
        // flag: ARRAY of ARRAY of ... each level one element, far deeper than any real file.
        int depth = 1000;
        ByteBuffer b = ByteBuffer.allocate(24 + 8 + 4 + 4 + depth * 12 + 12).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(GgufFile.MAGIC).putInt(3).putLong(0).putLong(1).putLong(4).put("deep".getBytes())
                .putInt(GgufValueType.ARRAY.id());
        for (int i = 0; i < depth; i++) {
            b.putInt(GgufValueType.ARRAY.id()).putLong(1);
        }
        b.putInt(GgufValueType.UINT8.id()).putLong(0);
        assertFails(b.array(), "arrays nested deeper than");
    }

    @Test
    void modelLevelChecks() throws IOException {
        assertFails(replaceString("general.architecture", "llama", "gpt2x"), "architecture 'gpt2x' is not supported");
        // Renaming the key hides it; a missing required key names the key.
        assertFails(replace(tiny, "llama.block_count", "llama.block_cOunt"), "missing metadata llama.block_count");
        assertFails(replace(tiny, TensorNames.ffnUp(0), "blk.0.ffn_uq.weight"), "missing tensor blk.0.ffn_up.weight");
        // ffn_gate and ffn_up are both [8, 16]; make the config say 32 so shapes disagree.
        int hidden = after(tiny, "llama.feed_forward_length") + 4;
        assertFails(patchInt(tiny, hidden, 32), "tensor blk.0.ffn_gate.weight has dimensions [8, 16]");
        int heads = after(tiny, "llama.attention.head_count") + 4;
        assertFails(patchInt(tiny, heads, 3), "invalid model hyper-parameters");
    }

    private static byte[] replace(byte[] bytes, String from, String to) {
        byte[] copy = bytes.clone();
        byte[] t = to.getBytes();
        System.arraycopy(t, 0, copy, TestFiles.indexOf(bytes, from), t.length);
        return copy;
    }

    private static byte[] replaceString(String key, String value, String sameLengthReplacement) {
        byte[] copy = tiny.clone();
        int at = after(tiny, key) + 4 + 8;
        assertEquals(value, new String(copy, at, value.length()));
        System.arraycopy(sameLengthReplacement.getBytes(), 0, copy, at, value.length());
        return copy;
    }
}
