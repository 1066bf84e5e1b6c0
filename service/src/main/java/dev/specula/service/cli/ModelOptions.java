package dev.specula.service.cli;

import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.model.Model;
import dev.specula.service.EngineSettings;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options shared by every command that loads a model. */
public final class ModelOptions {
    public static final String DEFAULT_MODEL = "stories260K";

    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", defaultValue = DEFAULT_MODEL,
            description = "Model file (.gguf, llama2.c .bin), Hugging Face folder, or a name in the models "
                    + "directory ($SPECULA_MODELS, default ../shared/models). Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "Tokenizer file for llama2.c checkpoints (default: tok<vocab>.bin or tokenizer.bin beside the model).")
    Path tokenizer;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Compute threads (default: all cores).")
    Integer threads;

    @Option(names = {"-c", "--context"}, paramLabel = "N", defaultValue = "0",
            description = "Context length in tokens (default: the model's, at most " + Engine.DEFAULT_MAX_CONTEXT + ").")
    int context;

    @Option(names = "--gpu", paramLabel = "auto|off|N|NAME", defaultValue = "auto",
            description = "OpenCL device for attention: auto (a GPU if there is one), off, a device index or a "
                    + "name substring (see `specula devices list`). Default: ${DEFAULT-VALUE}.")
    String gpu;

    EngineSettings settings() {
        return new EngineSettings(model, tokenizer, threads, context, gpu);
    }

    Model loadModel() {
        return settings().loadModel();
    }

    int threads() {
        return settings().threadCount();
    }

    /** Loads the model and composes the engine: CPU kernels, attention on the selected OpenCL device if any. */
    Engine openEngine() {
        return settings().openEngine();
    }
}
