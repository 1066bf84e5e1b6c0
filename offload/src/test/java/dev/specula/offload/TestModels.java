package dev.specula.offload;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real models and corpora in ../shared, for tests. */
final class TestModels {
    static final String STORIES_260K = "stories260K.gguf";
    static final String TINY_656K_Q8 = "TinyStories-656K-Q8_0.gguf";

    private TestModels() {
    }

    static Path model(String name) {
        return shared("models", name);
    }

    static Path corpus(String name) {
        return shared("corpus", name);
    }

    private static Path shared(String folder, String name) {
        Path p = Path.of(System.getProperty("specula.shared", "../shared"), folder, name);
        assertTrue(Files.exists(p), "shared file missing: " + p);
        return p;
    }

    /** Converts {@code model} into {@code dir}, calibrated on the shared excerpt, down columns in the model's type. */
    static Path convert(String model, Path dir, boolean pageAlign) {
        return convert(model, dir, pageAlign, false);
    }

    static Path convert(String model, Path dir, boolean pageAlign, boolean exactDown) {
        Path out = dir.resolve(model.replace(".gguf", ".specula"));
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        FlashConverter.convert(model(model), out, new FlashConverter.Options(pageAlign, false, -1,
                corpus("tinystories-valid-excerpt.txt"), 256, exactDown), (stage, done, total) -> { });
        return out;
    }
}
