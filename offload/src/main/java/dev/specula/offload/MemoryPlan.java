package dev.specula.offload;

import dev.specula.devices.ByteSize;
import dev.specula.runtime.model.ModelConfig;

import java.util.Locale;

/**
 * How a memory budget is split for a flash model: resident weights, predictor, KV cache and
 * buffers are fixed; what remains becomes the per-layer neuron caches. A budget whose cache could
 * not hold one token's worth of predicted neurons per layer is refused, naming the minimum. With
 * {@link PredictorKind#ALL} (naive loading) any cache of at least one neuron will do: what does not
 * fit is streamed through a small buffer every token, which the plan counts among the buffers, as it
 * does the two groups of neurons through which prompts stream layers that do not fit whole.
 * The JVM's own heap and code are outside the plan (compare with the measured RSS).
 *
 * @param capacity neurons cached per layer
 */
public record MemoryPlan(long budget, long resident, long predictor, long kvCache, long buffers, long cache,
                         int capacity, int hidden) {

    /**
     * @param budget         bytes allowed, or 0 for no limit (every neuron may be cached)
     * @param kvCacheBytes   the session's KV cache
     * @param activationBytes the transformer's activation buffers
     * @param batch          most rows the transformer passes at once
     */
    public static MemoryPlan of(FlashModel model, PredictorKind predictor, double sparsity, int window, long budget,
                                long kvCacheBytes, long activationBytes, long chunkBytes, int batch) {
        ModelConfig c = model.config();
        FlashLayout layout = model.layout();
        int hidden = c.hiddenDim();
        long slot = NeuronSlabs.slotBytes(c.dim(), layout.rowType(), layout.downType());
        long predictorBytes = predictor == PredictorKind.GATE ? (long) c.layers() * hidden * layout.rowBytes(c) : 0;
        long staging = FlashFeedForward.defaultStaging(layout.stride() * hidden, chunkBytes);
        long bookkeeping = (long) c.layers() * (window + 5L) * hidden * Integer.BYTES;
        long ffnScratch = 4L * (3L * hidden + 3L * c.dim());
        long buffers = staging + bookkeeping + ffnScratch + activationBytes;
        long perNeuron = slot * c.layers();
        long fixed = model.residentBytes() + predictorBytes + kvCacheBytes + buffers;
        int minCapacity = Math.max(1, (int) Math.ceil((1 - sparsity) * hidden));
        if (budget > 0 && budget < fixed + perNeuron * hidden) {
            // Layers do not fit whole: prompts stream them through two groups of neurons.
            buffers += FlashFeedForward.prefillBytes(c.dim(), hidden, slot, batch);
            if (predictor == PredictorKind.ALL) {
                buffers += slot * FlashFeedForward.streamSlots(hidden);
                minCapacity = 1;
            }
            fixed = model.residentBytes() + predictorBytes + kvCacheBytes + buffers;
        }
        long minimum = fixed + perNeuron * minCapacity;
        if (budget > 0 && budget < minimum) {
            throw new BudgetTooSmallException(String.format(Locale.ROOT,
                    "memory budget %s is too small for %s: at least %s is needed (resident weights %s, predictor %s, "
                            + "KV cache %s, buffers %s, neuron cache of %d of %d neurons per layer %s)",
                    ByteSize.format(budget), model.file().getFileName(), ByteSize.format(minimum),
                    ByteSize.format(model.residentBytes()), ByteSize.format(predictorBytes), ByteSize.format(kvCacheBytes),
                    ByteSize.format(buffers), minCapacity, hidden, ByteSize.format(perNeuron * minCapacity)));
        }
        int capacity = budget == 0 ? hidden : (int) Math.min(hidden, (budget - fixed) / perNeuron);
        return new MemoryPlan(budget, model.residentBytes(), predictorBytes, kvCacheBytes, buffers,
                perNeuron * capacity, capacity, hidden);
    }

    public long total() {
        return resident + predictor + kvCache + buffers + cache;
    }

    public String describe() {
        return String.format(Locale.ROOT,
                "[offload] memory plan%s: resident weights %s | predictor %s | KV cache %s | buffers %s | "
                        + "neuron cache %s (%d of %d neurons per layer) | total %s",
                budget == 0 ? "" : " for budget " + ByteSize.format(budget), ByteSize.format(resident),
                ByteSize.format(predictor), ByteSize.format(kvCache), ByteSize.format(buffers), ByteSize.format(cache),
                capacity, hidden, ByteSize.format(total()));
    }
}
