package dev.specula.service.cli;

import dev.specula.devices.ByteSize;
import dev.specula.devices.DeviceProfile;
import dev.specula.devices.DeviceRegistry;
import dev.specula.devices.HostMemory;
import dev.specula.devices.MemoryBudget;
import dev.specula.devices.StorageThrottle;
import dev.specula.offload.FlashFeedForward;
import dev.specula.offload.FlashModel;
import dev.specula.offload.OffloadSetup;
import dev.specula.offload.PredictorKind;
import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.engine.CpuAttention;
import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.kernel.ComputePool;
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

    private FlashFeedForward flash;

    Model loadModel() {
        return settings().loadModel();
    }

    int threads() {
        return settings().threadCount();
    }

    /** Loads the model and composes the engine: flash offload for .specula files, else dense with attention where --gpu puts it. */
    Engine openEngine() {
        Path path = settings().modelPath();
        if (FlashModel.isFlashFile(path)) {
            return openFlashEngine(path);
        }
        if (memoryBudget != null || sparsity != 0 || device != null || pageCache) {
            throw new SpeculaException("--memory-budget, --sparsity, --device and --page-cache need a .specula model "
                    + "(make one with `specula convert`)");
        }
        return settings().openEngine();
    }

    /** A flash-offload engine: attention on the CPU, feed-forward neurons streamed from the file. */
    private Engine openFlashEngine(Path path) {
        OffloadSetup setup = offloadSetup();
        FlashModel fm = FlashModel.open(path, true, true);
        ComputePool pool = null;
        try {
            pool = new ComputePool(threads());
            int contextLength = Engine.contextLength(fm.config(), context);
            OffloadSetup.Built built = setup.build(fm, pool, contextLength, Engine.DEFAULT_BATCH);
            flash = built.feedForward();
            System.err.println(built.plan().describe());
            return new Engine(fm.model(), pool, flash, CpuAttention.factory(pool), contextLength, Engine.DEFAULT_BATCH)
                    .owning(flash);
        } catch (RuntimeException e) {
            if (flash != null) {
                flash.close();
            }
            if (pool != null) {
                pool.close();
            }
            fm.close();
            throw e;
        }
    }

    /** The flash options as given: predictor, sparsity, window, budget and simulated device. */
    OffloadSetup offloadSetup() {
        PredictorKind kind = sparsity == 0 ? PredictorKind.ALL : PredictorKind.parse(predictor);
        StorageThrottle throttle = device == null ? null : new StorageThrottle(profile(device));
        long budget = memoryBudget == null ? 0 : budgetBytes(memoryBudget);
        return new OffloadSetup(kind, sparsity, window, budget, throttle, pageCache);
    }

    static DeviceProfile profile(String name) {
        return DeviceOption.resolve(DeviceRegistry.fromEnvironment(), name);
    }

    static long budgetBytes(String spec) {
        try {
            return MemoryBudget.parse(spec).resolve(HostMemory.read().totalBytes());
        } catch (IllegalArgumentException e) {
            throw new SpeculaException("invalid --memory-budget " + spec + ": " + e.getMessage());
        }
    }

    /** Prints the flash statistics to stderr when the model was a .specula file. */
    void printOffloadStats() {
        if (flash != null) {
            System.err.println(flash.stats().describe());
            System.err.println("[offload] feed-forward memory " + ByteSize.format(flash.memoryBytes()) + " | measured "
                    + HostMemory.read());
        }
    }
}
