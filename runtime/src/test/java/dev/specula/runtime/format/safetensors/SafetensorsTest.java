package dev.specula.runtime.format.safetensors;

import dev.specula.runtime.format.ModelFormatException;
import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.format.SegmentReader;
import dev.specula.runtime.format.TestFiles;
import dev.specula.runtime.format.safetensors.SafetensorsTestFiles.Entry;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.RopeStyle;
import dev.specula.runtime.model.TensorNames;
import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.specula.runtime.format.safetensors.SafetensorsTestFiles.file;
import static dev.specula.runtime.format.safetensors.SafetensorsTestFiles.llamaTensors;
import static dev.specula.runtime.format.safetensors.SafetensorsTestFiles.withHeader;
import static dev.specula.runtime.format.safetensors.SafetensorsTestFiles.writeConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsTest {

    private static String failure(byte[] bytes) {
        return assertThrows(ModelFormatException.class, () -> SafetensorsFile.read(TestFiles.reader(bytes))).getMessage();
    }

    private static void assertFails(byte[] bytes, String expected) {
        String message = failure(bytes);
        assertTrue(message.contains(expected), "expected '" + expected + "' in: " + message);
    }

    @Test
    void parsesDtypesShapesAndMetadata() {
        byte[] bytes = file(List.of(Entry.f32("a", 0, 3, 2), new Entry("h", "F16", new long[] {4}, new byte[8]),
                new Entry("b", "BF16", new long[] {1, 2}, new byte[4])), "{\"format\":\"pt\"}");
        SegmentReader reader = TestFiles.reader(bytes);
        SafetensorsFile f = SafetensorsFile.read(reader);
        assertEquals("pt", f.metadata().get("format"));
        assertEquals(List.of("a", "h", "b"), List.copyOf(f.tensors().keySet()));
        Tensor a = f.tensors().get("a");
        assertArrayEquals(new long[] {2, 3}, a.dims());
        assertEquals(0.005f, a.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, 20));
        assertEquals(GgmlType.F16, f.tensors().get("h").type());
        assertEquals(GgmlType.BF16, f.tensors().get("b").type());
        assertArrayEquals(new long[] {2, 1}, f.tensors().get("b").dims());
    }

    @Test
    void corruptFiles() {
        byte[] good = file(List.of(Entry.f32("a", 0, 3, 2)), null);
        assertFails(TestFiles.patchLong(good, 0, 1L << 40), "header length 1099511627776 does not fit");
        assertFails(TestFiles.patchLong(good, 0, -1), "does not fit");
        assertFails(withHeader("{\"a\": {\"dtype\": \"F32\", ", new byte[0]), "bad safetensors JSON header");
        assertFails(withHeader("[1, 2]", new byte[0]), "bad safetensors JSON header");
        assertEquals(TestFiles.FAKE + ": unsupported tensor type I64 in tensor x",
                failure(file(List.of(new Entry("x", "I64", new long[] {2}, new byte[16])), null)));
        assertFails(file(List.of(new Entry("x", "Q9", new long[] {2}, new byte[16])), null), "unsupported tensor type Q9");
        assertFails(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[4]),
                "data_offsets [0, 8] of tensor a lie outside the data section (4 bytes)");
        assertFails(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", new byte[8]),
                "lie outside");
        assertFails(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]),
                "has 8 bytes of data but F32 shape [3] needs 12");
        assertFails(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", new byte[8]),
                "bad shape");
        assertFails(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}",
                new byte[8]), "impossibly large");
        assertFails(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", new byte[8]), "bad data_offsets");
        assertFails(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", new byte[8]),
                "bad data_offsets");
        assertFails(withHeader("{\"a\":[]}", new byte[8]), "is not a JSON object");
        assertFails(withHeader("{\"__metadata__\":3}", new byte[0]), "__metadata__ must be a JSON object");
    }

    @Test
    void everyTruncationIsAFormatError() {
        byte[] good = file(List.of(Entry.f32("a", 0, 3, 2), Entry.f32("b", 1, 5)), null);
        for (int length = 0; length < good.length; length++) {
            int n = length;
            try {
                SafetensorsFile.read(TestFiles.reader(good, n));
                throw new AssertionError("prefix of " + n + " bytes accepted");
            } catch (ModelFormatException expected) {
                // the only acceptable outcome
            }
        }
    }

    @Test
    void loadsAnUntiedFolderWithCanonicalNames(@TempDir Path dir) throws IOException {
        writeConfig(dir, false);
        Files.write(dir.resolve("model.safetensors"), file(llamaTensors(true), null));
        try (Model m = ModelLoader.load(dir, null, false)) {
            assertEquals("safetensors", m.format());
            assertEquals(RopeStyle.HALF, m.config().ropeStyle());
            assertEquals(500000f, m.config().ropeTheta());
            assertEquals(32, m.config().contextLength());
            assertEquals(1, m.config().kvHeads());
            assertArrayEquals(new long[] {8, 16}, m.tensor(TensorNames.ffnGate(0)).dims());
            assertArrayEquals(new long[] {16, 8}, m.tensor(TensorNames.ffnDown(0)).dims());
            assertArrayEquals(new long[] {8, 4}, m.tensor(TensorNames.attnK(0)).dims());
            assertEquals(11f, m.tensor(TensorNames.OUTPUT).data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0));
            assertEquals(3f, m.tensor(TensorNames.attnK(0)).data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0));
            assertEquals(12, m.tensors().size());
        }
        // The weights file itself is accepted as a name for its folder.
        try (Model m = ModelLoader.load(dir.resolve("model.safetensors"), null, false)) {
            assertEquals(12, m.tensors().size());
        }
    }

    @Test
    void tiedFolderUsesWhicheverMatrixIsStored(@TempDir Path dir) throws IOException {
        writeConfig(dir, true);
        Files.write(dir.resolve("model.safetensors"), file(llamaTensors(false), null));
        try (Model m = ModelLoader.load(dir, null, false)) {
            assertFalse(m.has(TensorNames.OUTPUT));
            assertEquals(0.001f, m.outputHead().data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, 4));
        }
        List<Entry> onlyHead = new ArrayList<>(llamaTensors(true));
        onlyHead.removeIf(e -> e.name().equals("model.embed_tokens.weight"));
        Files.write(dir.resolve("model.safetensors"), file(onlyHead, null));
        try (Model m = ModelLoader.load(dir, null, false)) {
            assertFalse(m.has(TensorNames.OUTPUT));
            assertEquals(11f, m.tensor(TensorNames.TOKEN_EMBEDDING).data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0));
        }
    }

    @Test
    void shardedFolder(@TempDir Path dir) throws IOException {
        writeConfig(dir, false);
        List<Entry> all = llamaTensors(true);
        List<Entry> first = all.subList(0, 5);
        List<Entry> second = all.subList(5, all.size());
        Files.write(dir.resolve("model-00001-of-00002.safetensors"), file(first, null));
        Files.write(dir.resolve("model-00002-of-00002.safetensors"), file(second, null));
        StringBuilder map = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
        for (Entry e : all) {
            map.append('"').append(e.name()).append("\": \"model-0000").append(first.contains(e) ? 1 : 2)
                    .append("-of-00002.safetensors\",");
        }
        map.setLength(map.length() - 1);
        Files.writeString(dir.resolve("model.safetensors.index.json"), map.append("}}"));
        try (Model m = ModelLoader.load(dir, null, false)) {
            assertEquals(12, m.tensors().size());
            assertEquals(9f, m.tensor(TensorNames.ffnDown(0)).data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0));
        }
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"model.norm.weight\": \"model-00001-of-00002.safetensors\"}}");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(dir, null, false));
        assertTrue(e.getMessage().contains("tensor model.norm.weight is not in its shard"), e.getMessage());
    }

    @Test
    void folderProblems(@TempDir Path dir) throws IOException {
        writeConfig(dir, false);
        assertLoadFails(dir, "no model.safetensors or model.safetensors.index.json");
        List<Entry> withBias = new ArrayList<>(llamaTensors(true));
        withBias.add(Entry.f32("model.layers.0.self_attn.q_proj.bias", 0, 8));
        Files.write(dir.resolve("model.safetensors"), file(withBias, null));
        assertLoadFails(dir, "unexpected tensor model.layers.0.self_attn.q_proj.bias");
        List<Entry> extraLayer = new ArrayList<>(llamaTensors(true));
        extraLayer.add(Entry.f32("model.layers.1.input_layernorm.weight", 0, 8));
        Files.write(dir.resolve("model.safetensors"), file(extraLayer, null));
        assertLoadFails(dir, "beyond num_hidden_layers 1");
        Files.write(dir.resolve("model.safetensors"), file(llamaTensors(false), null));
        assertLoadFails(dir, "missing lm_head.weight");
        List<Entry> wrongShape = new ArrayList<>(llamaTensors(true));
        wrongShape.set(3, Entry.f32("model.layers.0.self_attn.k_proj.weight", 3, 8, 8));
        Files.write(dir.resolve("model.safetensors"), file(wrongShape, null));
        assertLoadFails(dir, "tensor blk.0.attn_k.weight has dimensions [8, 8]");
        Files.writeString(dir.resolve("config.json"), "{\"architectures\": [\"GPT2LMHeadModel\"], \"model_type\": \"gpt2\"}");
        assertLoadFails(dir, "not a Llama model");
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\", \"hidden_size\": \"8\"}");
        assertLoadFails(dir, "hidden_size should be an integer");
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\", \"rope_scaling\": {\"type\": \"linear\"}}");
        assertLoadFails(dir, "rope_scaling");
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": ");
        assertLoadFails(dir, "bad JSON");
        Files.delete(dir.resolve("config.json"));
        assertLoadFails(dir, "not a Hugging Face model");
    }

    private static void assertLoadFails(Path dir, String expected) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(dir, null, false));
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }
}
