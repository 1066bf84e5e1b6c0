package dev.specula.runtime.lora;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.model.ModelConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Opens what {@code --ensemble} names: an ensemble file, or a PEFT adapter folder (an ensemble of one). */
public final class EnsembleLoader {
    private EnsembleLoader() {
    }

    public static LoraEnsemble load(Path path, ModelConfig base) {
        if (Files.isDirectory(path)) {
            if (!PeftAdapter.isAdapterFolder(path)) {
                throw new SpeculaException(path + ": folder has no " + PeftAdapter.CONFIG + " (not a PEFT adapter)");
            }
            return LoraEnsemble.uniform(List.of(PeftAdapter.read(path, base)), String.valueOf(path.getFileName()));
        }
        if (!Files.isRegularFile(path)) {
            throw new SpeculaException(path + ": no such ensemble file or adapter folder");
        }
        return EnsembleFile.read(path, base);
    }
}
