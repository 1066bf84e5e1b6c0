package dev.specula.service;

import dev.specula.runtime.format.ModelLocator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Ensembles shipped in the repository's {@code models/} folder, named after the base model's file
 * ({@code stories260K.ensemble.safetensors} serves stories260K.gguf and stories260K.bin), so the default
 * model reports real ensemble uncertainty without extra flags.
 */
final class BundledEnsembles {
    static final String SUFFIX = ".ensemble.safetensors";

    private BundledEnsembles() {
    }

    static Optional<Path> forModel(Path model) {
        String home = System.getProperty("specula.home");
        if (home == null) {
            return Optional.empty();
        }
        Path bundled = Path.of(home, "models", ModelLocator.modelName(model) + SUFFIX);
        return Files.isRegularFile(bundled) ? Optional.of(bundled) : Optional.empty();
    }
}
