package dev.specula.runtime.format.gguf;

import dev.specula.runtime.format.TestFiles;
import dev.specula.runtime.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Checks the writer against a file llama.cpp's tools produced. */
class GgufSharedFileTest {

    /** The value types stories260K.gguf uses (the reader keeps values, not their integer widths). */
    private static final Map<String, GgufValueType> TYPES = Map.ofEntries(
            Map.entry("tokenizer.ggml.tokens", GgufValueType.STRING),
            Map.entry("tokenizer.ggml.scores", GgufValueType.FLOAT32),
            Map.entry("tokenizer.ggml.token_type", GgufValueType.INT32),
            Map.entry("tokenizer.ggml.model", GgufValueType.STRING),
            Map.entry("general.architecture", GgufValueType.STRING),
            Map.entry("general.name", GgufValueType.STRING),
            Map.entry("llama.attention.layer_norm_rms_epsilon", GgufValueType.FLOAT32));

    @Test
    void rewritingStories260KReproducesItByteForByte() throws IOException {
        Path original = TestFiles.models().resolve("stories260K.gguf");
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        try (Arena arena = Arena.ofShared()) {
            GgufFile g = GgufFile.read(original, arena);
            try (GgufWriter w = new GgufWriter(copy)) {
                for (Map.Entry<String, Object> e : g.metadata().asMap().entrySet()) {
                    GgufValueType type = TYPES.getOrDefault(e.getKey(), GgufValueType.UINT32);
                    if (e.getValue().getClass().isArray()) {
                        w.putArray(e.getKey(), type, e.getValue());
                    } else {
                        w.put(e.getKey(), type, e.getValue());
                    }
                }
                for (Tensor t : g.tensors().values()) {
                    w.addTensor(t.name(), t.type(), t.dims());
                }
                for (Tensor t : g.tensors().values()) {
                    w.writeTensorData(t.data());
                }
            }
        }
        assertArrayEquals(Files.readAllBytes(original), copy.toByteArray());
    }

    @Test
    void readsTheQ8File() {
        try (Arena arena = Arena.ofShared()) {
            GgufFile g = GgufFile.read(TestFiles.models().resolve("TinyStories-656K-Q8_0.gguf"), arena);
            assertEquals(3, g.version());
            assertEquals(20, g.tensors().size());
            assertEquals("llama", g.metadata().getString("general.architecture"));
            assertEquals(2048, g.metadata().getStringArray("tokenizer.ggml.tokens").length);
            assertEquals(true, g.metadata().getBoolean("tokenizer.ggml.add_bos_token"));
        }
    }
}
