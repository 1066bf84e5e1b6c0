package dev.specula.runtime.engine;

import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.model.Model;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Locates the real models in ../shared/models for tests. */
public final class SharedModels {
    private SharedModels() {
    }

    public static Path path(String relative) {
        Path p = Path.of(System.getProperty("specula.shared", "../shared"), "models", relative);
        assertTrue(Files.exists(p), "shared model missing: " + p);
        return p;
    }

    public static Model load(String relative, boolean withTokenizer) {
        return ModelLoader.load(path(relative), null, withTokenizer);
    }
}
