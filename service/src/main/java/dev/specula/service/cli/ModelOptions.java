package dev.specula.service.cli;

import dev.specula.gpu.GpuBackend;
import dev.specula.gpu.GpuSelection;
import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.engine.AttentionFactory;
import dev.specula.runtime.engine.CpuAttention;
import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.format.ModelLocator;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.model.Model;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;

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

    Model loadModel() {
        return ModelLoader.load(ModelLocator.resolve(model), tokenizer);
    }

    int threads() {
        int n = threads == null ? ComputePool.defaultThreads() : threads;
        if (n < 1) {
            throw new SpeculaException("invalid --threads " + n + ": must be >= 1");
        }
        return n;
    }

    /** Loads the model and composes the engine: CPU kernels, attention on the selected OpenCL device if any. */
    Engine openEngine() {
        Model m = loadModel();
        ComputePool pool = null;
        Optional<GpuBackend> backend = Optional.empty();
        try {
            pool = new ComputePool(threads());
            backend = openGpu();
            AttentionFactory attention = backend.map(GpuBackend::attentionFactory).orElse(CpuAttention.factory(pool));
            Engine engine = Engine.dense(m, pool, attention, context);
            backend.ifPresent(engine::owning);
            return engine;
        } catch (RuntimeException e) {
            backend.ifPresent(GpuBackend::close);
            if (pool != null) {
                pool.close();
            }
            m.close();
            throw e;
        }
    }

    private Optional<GpuBackend> openGpu() {
        try {
            Optional<GpuBackend> backend = GpuBackend.open(gpu);
            if (backend.isPresent()) {
                System.err.println("[gpu] attention on " + backend.get().device().describe());
            } else if (!(GpuSelection.parse(gpu) instanceof GpuSelection.Off)) {
                System.err.println("[gpu] " + GpuBackend.cpuFallbackReason() + "; attention on the CPU");
            }
            return backend;
        } catch (GpuSelection.SelectionException e) {
            throw new SpeculaException("--gpu " + gpu + ": " + e.getMessage());
        }
    }
}
