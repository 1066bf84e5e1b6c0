package dev.specula.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.engine.KvCacheType;
import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.kernel.WeightLayout;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.TensorNames;
import dev.specula.runtime.synth.SynthModelWriter;
import dev.specula.runtime.synth.SynthQuant;
import dev.specula.runtime.synth.SynthShape;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the composition root holds a dense model's matrices for what will decode on the engine. */
class EngineSettingsTest {

    /**
     * One sequence takes Q4_0 in the wide groups, an ensemble's members the narrow ones (the same on machines where
     * {@link WeightLayout#INTERLEAVED_WIDE} has no wider groups to give).
     */
    @Test
    void q4_0GroupsFollowWhetherAnEnsembleDecodes(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("q4_0.gguf");
        new SynthModelWriter(new SynthShape("groups", 512, 1, 8, 4, 1376, 1024, 64), SynthQuant.Q4_0, 3)
                .write(file, false, n -> { });
        EngineSettings settings = new EngineSettings(file.toString(), null, 1, 64, "off", KvCacheType.F16,
                WeightsChoice.INTERLEAVED, FlashSettings.defaults());
        int wide;
        int narrow;
        try (Model m = ModelLoader.load(file, null)) {
            wide = WeightLayout.INTERLEAVED_WIDE.weights(m.tensor(TensorNames.attnQ(0))).rowGroup();
        }
        try (Model m = ModelLoader.load(file, null)) {
            narrow = WeightLayout.INTERLEAVED.weights(m.tensor(TensorNames.attnQ(0))).rowGroup();
        }

        try (Engine alone = settings.openEngine(new EnsembleChoice(EnsembleChoice.NONE))) {
            assertEquals(wide, alone.transformer().matrices().getFirst().rowGroup(), "one sequence");
        }
        EnsembleChoice ensemble = new EnsembleChoice(dir.resolve("e.ensemble.safetensors").toString());
        try (Engine members = settings.openEngine(ensemble)) {
            assertEquals(narrow, members.transformer().matrices().getFirst().rowGroup(), "an ensemble's members");
        }
    }
}
