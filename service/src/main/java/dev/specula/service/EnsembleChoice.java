package dev.specula.service;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.lora.EnsembleLoader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Which LoRA ensemble an engine decodes with, as {@code --ensemble E|none} of {@code generate} and
 * {@code serve} names it: by default the ensemble shipped for the model, if any.
 *
 * @param value an ensemble file or PEFT adapter folder, {@value #NONE} for the base model alone, or null
 *              for the bundled ensemble of the model
 */
public record EnsembleChoice(String value) {
    public static final String NONE = "none";
    /** The {@code --ensemble} option's description, the same for every command that has it. */
    public static final String DESCRIPTION = "LoRA ensemble file (NAME.ensemble.safetensors) or PEFT adapter folder "
            + "(an ensemble of one): tokens are sampled from the members' mixture and their disagreement is reported. "
            + "Default: the ensemble shipped in models/ for this model, if any; none: the base model alone.";

    /** The file or folder chosen for the model at {@code model}; empty for the base model alone. */
    public Optional<Path> pathFor(Path model) {
        if (value == null) {
            return BundledEnsembles.forModel(model);
        }
        return value.equals(NONE) ? Optional.empty() : Optional.of(Path.of(value));
    }

    /** A usage error now, when the named file or folder does not exist, instead of a failed load later. */
    public void requireExists() {
        if (value != null && !value.equals(NONE) && !Files.exists(Path.of(value))) {
            throw new SpeculaException(value + ": no such ensemble file or adapter folder");
        }
    }

    /** Loads the chosen ensemble onto {@code engine}; returns where it came from, empty when there is none. */
    public Optional<Path> attachTo(Engine engine) {
        Optional<Path> path = pathFor(engine.model().source());
        path.ifPresent(p -> engine.withEnsemble(EnsembleLoader.load(p, engine.model().config())));
        return path;
    }
}
