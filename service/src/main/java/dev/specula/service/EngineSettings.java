package dev.specula.service;

import dev.specula.gpu.GpuBackend;
import dev.specula.gpu.GpuSelection;
import dev.specula.offload.FlashFeedForward;
import dev.specula.offload.FlashModel;
import dev.specula.offload.OffloadSetup;
import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.engine.AttentionFactory;
import dev.specula.runtime.engine.CpuAttention;
import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.engine.KvCacheType;
import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.format.ModelLocator;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.WeightLayout;
import dev.specula.runtime.model.Model;

import java.nio.file.Path;
import java.util.Optional;

/**
 * How to build an engine: the composition shared by the CLI commands and the HTTP server.
 *
 * @param model     model file, folder or name in the models directory
 * @param tokenizer tokenizer file for llama2.c checkpoints, or null for the default beside the model
 * @param threads   compute threads, or null for all cores
 * @param context   context length in tokens, 0 for the model's (bounded by {@link Engine#DEFAULT_MAX_CONTEXT})
 * @param gpu       OpenCL device selection for attention: auto, off, an index or a name substring
 * @param kvCache   how the CPU stores the KV cache (an OpenCL device's cache is F32)
 * @param weights   how a dense model's matrices are held (copied into the faster layout, or multiplied where mapped)
 * @param flash     how a {@code .specula} model runs (budget, predictor, window)
 */
public record EngineSettings(String model, Path tokenizer, Integer threads, int context, String gpu,
                             KvCacheType kvCache, WeightsChoice weights, FlashSettings flash) {

    /** The KV cache of every command and of the server unless {@code --kv-cache} says otherwise. */
    public static final String DEFAULT_KV_CACHE = "f16";
    /** {@code --kv-cache}'s help, without its default. */
    public static final String KV_CACHE_HELP = "How the CPU stores keys and values: f16 (half the memory, as "
            + "llama.cpp) or f32 (exact). An OpenCL device's cache is f32.";

    public Path modelPath() {
        return ModelLocator.resolve(model);
    }

    public Model loadModel() {
        return ModelLoader.load(modelPath(), tokenizer);
    }

    public int threadCount() {
        return threadCount(threads);
    }

    /** {@code threads}, or all cores for null; a count no pool takes is an error naming {@code --threads}. */
    public static int threadCount(Integer threads) {
        int n = threads == null ? ComputePool.defaultThreads() : threads;
        if (n < 1 || n > ComputePool.MAX_THREADS) {
            throw new SpeculaException("invalid --threads " + n + ": must be between 1 and " + ComputePool.MAX_THREADS);
        }
        return n;
    }

    /** The cache type a {@code --kv-cache} value names; anything else is an error naming the option. */
    public static KvCacheType kvCacheType(String value) {
        return KvCacheType.named(value).orElseThrow(
                () -> new SpeculaException("invalid --kv-cache " + value + ": must be f16 or f32"));
    }

    /**
     * Loads the model and composes the engine: for a {@code .specula} file, feed-forward neurons
     * streamed from flash under the memory budget with attention on the CPU; otherwise CPU kernels
     * with attention and LoRA ensemble updates on the selected OpenCL device if any. Its matrices are held for what
     * will decode on it: the {@code ensemble} chosen for this model, whose members' products want other groups of Q4_0
     * rows than one sequence's ({@link WeightsChoice#layoutFor}). The ensemble is not attached.
     */
    public Engine openEngine(EnsembleChoice ensemble) {
        Path path = modelPath();
        boolean members = ensemble.pathFor(path).isPresent();
        if (FlashModel.isFlashFile(path)) {
            return openFlashEngine(path, WeightLayout.interleavedFor(members));
        }
        if (flash.requested()) {
            throw new SpeculaException("--memory-budget, --sparsity, --device and --page-cache need a .specula model "
                    + "(make one with `specula convert`)");
        }
        Model m = loadModel();
        ComputePool pool = null;
        Optional<GpuBackend> backend = Optional.empty();
        try {
            pool = new ComputePool(threadCount());
            backend = openGpu(gpu);
            AttentionFactory attention = backend.map(GpuBackend::attentionFactory)
                    .orElse(CpuAttention.factory(pool, kvCache));
            Engine engine = Engine.dense(m, pool, attention, context, weights.layoutFor(m, members));
            backend.ifPresent(b -> engine.ensembleDeltasOn(b.ensembleDeltas()).owning(b));
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

    private Engine openFlashEngine(Path path, WeightLayout layout) {
        OffloadSetup setup = flash.setup();
        FlashModel fm = FlashModel.open(path, true, true);
        ComputePool pool = null;
        FlashFeedForward ff = null;
        try {
            pool = new ComputePool(threadCount());
            int contextLength = Engine.contextLength(fm.config(), context);
            OffloadSetup.Built built = setup.build(fm, pool, contextLength, Engine.FLASH_BATCH, kvCache);
            ff = built.feedForward();
            System.err.println(built.plan().describe());
            return new Engine(fm.model(), pool, ff, CpuAttention.factory(pool, kvCache), contextLength,
                    Engine.FLASH_BATCH, layout)
                    .owning(ff);
        } catch (RuntimeException e) {
            if (ff != null) {
                ff.close();
            }
            if (pool != null) {
                pool.close();
            }
            fm.close();
            throw e;
        }
    }

    /**
     * Opens the OpenCL device a {@code --gpu} value selects, saying on stderr where attention runs; empty for
     * the CPU. A malformed value or a device that does not exist is a user error naming the option.
     */
    public static Optional<GpuBackend> openGpu(String gpu) {
        try {
            Optional<GpuBackend> backend = GpuBackend.open(gpu);
            if (backend.isPresent()) {
                System.err.println("[gpu] attention and LoRA ensembles on " + backend.get().device().describe());
            } else if (!(GpuSelection.parse(gpu) instanceof GpuSelection.Off)) {
                System.err.println("[gpu] " + GpuBackend.cpuFallbackReason() + "; attention on the CPU");
            }
            return backend;
        } catch (GpuSelection.SelectionException e) {
            throw new SpeculaException("--gpu " + gpu + ": " + e.getMessage());
        }
    }
}
