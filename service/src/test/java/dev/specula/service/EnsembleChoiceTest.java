package dev.specula.service;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What {@code --ensemble} selects for generate and serve alike. */
class EnsembleChoiceTest {
    private static final Path MODEL = Path.of(System.getProperty("specula.shared", "../shared"), "models",
            "stories260K.gguf");

    @Test
    void defaultIsTheEnsembleShippedForTheModelAndNoneTurnsItOff() {
        String previous = System.getProperty("specula.home");
        Path home = Path.of("").toAbsolutePath().getParent(); // surefire runs in service/, the repository is above
        System.setProperty("specula.home", home.toString());
        try {
            assertEquals(Optional.of(home.resolve("models").resolve("stories260K.ensemble.safetensors")),
                    new EnsembleChoice(null).pathFor(MODEL));
            assertEquals(Optional.empty(), new EnsembleChoice(EnsembleChoice.NONE).pathFor(MODEL));
            assertEquals(Optional.of(Path.of("my.ensemble.safetensors")),
                    new EnsembleChoice("my.ensemble.safetensors").pathFor(MODEL));
            assertEquals(Optional.empty(), new EnsembleChoice(null).pathFor(MODEL.resolveSibling("no-such.gguf")));
        } finally {
            if (previous == null) {
                System.clearProperty("specula.home");
            } else {
                System.setProperty("specula.home", previous);
            }
        }
    }
}
