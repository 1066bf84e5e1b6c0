package dev.specula.runtime.format;

import dev.specula.runtime.SpeculaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelLocatorTest {

    @Test
    void findsSharedModelsByName() {
        Path models = TestFiles.models();
        assertEquals(models.resolve("stories260K.gguf"), ModelLocator.resolve("stories260K", models));
        assertEquals(models.resolve("stories260K.bin"), ModelLocator.resolve("stories260K.bin", models));
        assertEquals(models.resolve("tinystories-656k"), ModelLocator.resolve("tinystories-656k", models));
        assertEquals(models.resolve("TinyStories-656K-Q8_0.gguf"), ModelLocator.resolve("tinystories-656k-q8_0", models));
        assertTrue(ModelLocator.available(models).containsAll(
                List.of("stories260K.bin", "stories260K.gguf", "tinystories-656k", "TinyStories-656K-Q8_0.gguf")));
        assertTrue(ModelLocator.available(models).stream().noneMatch(n -> n.startsWith("tok") || n.equals("vocab")));
    }

    @Test
    void pathsWinAndUnknownNamesListWhatExists(@TempDir Path dir) throws IOException {
        Path models = Files.createDirectory(dir.resolve("models"));
        Files.write(models.resolve("a.gguf"), new byte[0]);
        Files.write(models.resolve("a.bin"), new byte[0]);
        Files.write(models.resolve("tok32.bin"), new byte[0]);
        Path hf = Files.createDirectory(models.resolve("hf"));
        Files.writeString(hf.resolve("config.json"), "{}");
        Path elsewhere = Files.write(dir.resolve("x.bin"), new byte[0]);

        assertEquals(elsewhere, ModelLocator.resolve(elsewhere.toString(), models));
        assertEquals(models.resolve("a.gguf"), ModelLocator.resolve("a", models));
        assertEquals(hf, ModelLocator.resolve("hf", models));
        SpeculaException e = assertThrows(SpeculaException.class, () -> ModelLocator.resolve("nope", models));
        assertTrue(e.getMessage().contains("no model 'nope'"), e.getMessage());
        assertTrue(e.getMessage().contains("available: a.bin, a.gguf, hf"), e.getMessage());
        assertThrows(SpeculaException.class, () -> ModelLocator.resolve("sub/a", models));
        assertTrue(assertThrows(SpeculaException.class, () -> ModelLocator.resolve("a", dir.resolve("missing")))
                .getMessage().contains("(none there)"));
    }

    @Test
    void aModelsNameIsItsFileWithoutTheExtensionOrItsFolder(@TempDir Path dir) throws IOException {
        assertEquals("stories260K", ModelLocator.modelName(Files.write(dir.resolve("stories260K.gguf"), new byte[0])));
        assertEquals("m.q8", ModelLocator.modelName(Files.write(dir.resolve("m.q8.bin"), new byte[0])));
        assertEquals("README", ModelLocator.modelName(Files.write(dir.resolve("README"), new byte[0])));
        assertEquals(".hidden", ModelLocator.modelName(Files.write(dir.resolve(".hidden"), new byte[0])));
        assertEquals("llama-3.2-1b", ModelLocator.modelName(Files.createDirectory(dir.resolve("llama-3.2-1b"))));
    }

    @Test
    void loaderRejectsWhatItDoesNotKnow(@TempDir Path dir) throws IOException {
        Path text = Files.writeString(dir.resolve("notes.txt"), "hello");
        assertTrue(assertThrows(ModelFormatException.class, () -> ModelLoader.load(text, null))
                .getMessage().contains("not a recognized model"));
        assertTrue(assertThrows(ModelFormatException.class, () -> ModelLoader.load(dir.resolve("gone.gguf"), null))
                .getMessage().contains("no such file or folder"));
        Path empty = Files.write(dir.resolve("empty.bin"), new byte[0]);
        assertTrue(assertThrows(ModelFormatException.class, () -> ModelLoader.load(empty, null))
                .getMessage().contains("truncated file"));
        Path gguf = Files.write(dir.resolve("tiny.weights"), TestFiles.tinyLlamaGguf(8, dev.specula.runtime.tensor.GgmlType.F32));
        try (var m = ModelLoader.load(gguf, null, false)) {
            assertEquals("gguf", m.format()); // recognized by its magic, whatever the name
            assertEquals(8, m.config().dim());
        }
    }
}
