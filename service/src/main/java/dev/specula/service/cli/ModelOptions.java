package dev.specula.service.cli;

import dev.specula.devices.ByteSize;
import dev.specula.devices.HostMemory;
import dev.specula.offload.FlashFeedForward;
import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.model.Model;
import dev.specula.service.EngineSettings;
import dev.specula.service.EnsembleChoice;
import dev.specula.service.FlashSettings;
import dev.specula.service.WeightsChoice;
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
            description = "OpenCL device for attention: auto (an integrated GPU if there is one), off, a device index or a "
                    + "name substring (see `specula devices list`). Default: ${DEFAULT-VALUE}.")
    String gpu;

    @Option(names = "--kv-cache", paramLabel = "f16|f32", defaultValue = EngineSettings.DEFAULT_KV_CACHE,
            description = EngineSettings.KV_CACHE_HELP + " Default: ${DEFAULT-VALUE}.")
    String kvCache;

    @Option(names = "--weights", paramLabel = "auto|mapped|interleaved", defaultValue = WeightsChoice.DEFAULT,
            description = WeightsChoice.HELP + " Default: ${DEFAULT-VALUE}.")
    String weights;

    EngineSettings settings() {
        return new EngineSettings(model, tokenizer, threads, context, gpu, EngineSettings.kvCacheType(kvCache),
                WeightsChoice.named(weights),
                new FlashSettings(memoryBudget, sparsity, predictor, window, device, pageCache));
    }

    @Option(names = "--memory-budget", paramLabel = "SIZE|PERCENT",
            description = "For .specula models: memory for weights, neuron caches, KV cache and buffers "
                    + "(e.g. 64MiB or 25%% of this machine's memory); the split is printed to stderr.")
    String memoryBudget;

    @Option(names = "--sparsity", paramLabel = "S", defaultValue = "0",
            description = "For .specula models: fraction of feed-forward neurons to skip, one of the settings "
                    + "calibrated at convert time; 0 reads every neuron (default: ${DEFAULT-VALUE}).")
    double sparsity;

    @Option(names = "--predictor", paramLabel = "low-rank|gate", defaultValue = "low-rank",
            description = "For .specula models with --sparsity > 0: which predictor picks the neurons "
                    + "(default: ${DEFAULT-VALUE}).")
    String predictor;

    @Option(names = "--window", paramLabel = "K", defaultValue = "0",
            description = "For .specula models: neurons used by the last K tokens stay in memory; 0 keeps every "
                    + "neuron while there is room, evicting the least recently used (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--device", paramLabel = "PROFILE",
            description = "For .specula models: pace flash reads to a device profile (built-in name or .profile file).")
    String device;

    @Option(names = "--page-cache",
            description = "For .specula models: copy neurons from the memory-mapped file (page cache) instead of "
                    + "reading them with O_DIRECT; a baseline whose cached pages count in RSS beyond the budget.")
    boolean pageCache;

    Model loadModel() {
        return settings().loadModel();
    }

    int threads() {
        return settings().threadCount();
    }

    /**
     * Loads the model and composes the engine: flash offload for .specula files, else dense with attention where
     * --gpu puts it; for {@code ensemble} to decode on it, or {@link EnsembleChoice#NONE}.
     */
    Engine openEngine(EnsembleChoice ensemble) {
        return settings().openEngine(ensemble);
    }

    /** Prints the flash statistics to stderr when the engine streams a .specula model. */
    static void printOffloadStats(Engine engine) {
        if (engine.transformer().feedForward() instanceof FlashFeedForward flash) {
            System.err.println(flash.stats().describe());
            System.err.println("[offload] feed-forward memory " + ByteSize.format(flash.memoryBytes()) + " | measured "
                    + HostMemory.read());
        }
    }
}
