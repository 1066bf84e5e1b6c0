package dev.specula.offload;

import dev.specula.devices.StorageThrottle;
import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.engine.KvCacheType;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.model.ModelConfig;

/**
 * How a flash model is to run, as the user asked for it: plans memory for a context length and
 * builds the feed-forward. Shared by the CLI's engine composition and the offload benchmark.
 *
 * @param budgetBytes memory budget, 0 for none
 * @param throttle    simulated storage device, or null (then reads use the default chunk and depth)
 * @param pageCache   read bundles through the memory mapping (baseline) instead of O_DIRECT
 */
public record OffloadSetup(PredictorKind predictor, double sparsity, int window, long budgetBytes,
                           StorageThrottle throttle, boolean pageCache) {

    public OffloadSetup {
        if (sparsity < 0 || sparsity >= 1) {
            throw new SpeculaException("invalid sparsity " + sparsity + ": must be in [0, 1)");
        }
        if (window < 0) {
            throw new SpeculaException("invalid window " + window + ": must be >= 1, or 0 to keep neurons while there is room");
        }
    }

    /** A plan and the feed-forward it sizes. */
    public record Built(MemoryPlan plan, FlashFeedForward feedForward) {
    }

    public Built build(FlashModel model, ComputePool pool, int contextLength, int batch, KvCacheType kvCache) {
        long chunk = chunkBytes();
        int ioThreads = throttle == null ? FlashFeedForward.Options.DEFAULT_IO_THREADS : throttle.profile().bestQueueDepth();
        MemoryPlan plan = plan(model, contextLength, batch, kvCache);
        FlashFeedForward ff = new FlashFeedForward(model, pool, new FlashFeedForward.Options(predictor, sparsity, window,
                plan.capacity(), chunk, ioThreads, 0, throttle, pageCache));
        return new Built(plan, ff);
    }

    /** The split of the budget {@link #build} would use; refuses a budget that is too small. */
    public MemoryPlan plan(FlashModel model, int contextLength, int batch, KvCacheType kvCache) {
        ModelConfig c = model.config();
        long activations = 4L * batch * (5L * c.dim() + 2L * c.kvDim() + c.vocabSize());
        return MemoryPlan.of(model, predictor, sparsity, window, budgetBytes, kvCache.bytes(c, contextLength),
                activations, chunkBytes(), batch);
    }

    private long chunkBytes() {
        return throttle == null ? FlashFeedForward.Options.DEFAULT_CHUNK : throttle.profile().bestChunkBytes();
    }
}
