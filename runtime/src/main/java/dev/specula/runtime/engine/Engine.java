package dev.specula.runtime.engine;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.generate.Decoder;
import dev.specula.runtime.generate.EnsembleDecoder;
import dev.specula.runtime.generate.Generator;
import dev.specula.runtime.generate.ModelDecoder;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.WeightLayout;
import dev.specula.runtime.kernel.WeightsFactory;
import dev.specula.runtime.lora.LoraEnsemble;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.TensorNames;
import dev.specula.runtime.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A model ready to run: its weights, a thread pool, the forward pass and the attention backend.
 * The feed-forward and attention implementations are passed in by the composition root, so the
 * engine never needs to know about flash offload or GPUs.
 */
public final class Engine implements AutoCloseable {
    /** Longest context used when the caller does not ask for one: bounds the KV cache of big models. */
    public static final int DEFAULT_MAX_CONTEXT = 2048;
    /** Prompt tokens per batch where memory is budgeted (flash offload): its buffers count against the budget. */
    public static final int FLASH_BATCH = 32;
    /**
     * Prompt tokens per batch of a dense engine: each weight row, decoded once per batch, serves 128 tokens
     * rather than 32. 128-token prompts on the tinyllama-1.1b shape, two threads, interleaved: Q4_0 90 -> 108
     * tok/s, Q8_0 84 -> 102, Q4_K_M 86 -> 116; the buffers grow by about 10 MB.
     */
    public static final int DENSE_BATCH = 128;

    private final Model model;
    private final ComputePool pool;
    private final Transformer transformer;
    private final AttentionFactory attention;
    private final int contextLength;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private EnsembleTransformer ensemble;
    private EnsembleDeltaFactory ensembleDeltas = EnsembleDeltaFactory.CPU;

    /** An engine whose forward pass holds its attention and output matrices as {@code layout} says. */
    public Engine(Model model, ComputePool pool, FeedForward feedForward, AttentionFactory attention,
                  int contextLength, int batch, WeightLayout layout) {
        if (model.tokenizer() == null) {
            throw new SpeculaException(model.source() + ": no tokenizer was loaded for this model");
        }
        this.model = model;
        this.pool = pool;
        this.attention = attention;
        this.contextLength = contextLength(model.config(), contextLength);
        this.transformer = new Transformer(model, pool, feedForward, batch, layout);
    }

    /** A CPU engine with the dense feed-forward in the faster layout; {@code contextLength} 0 picks a default. */
    public static Engine cpu(Model model, int threads, int contextLength) {
        ComputePool pool = new ComputePool(threads);
        return dense(model, pool, CpuAttention.factory(pool), contextLength, WeightLayout.INTERLEAVED);
    }

    /** A dense engine whose attention runs where {@code attention} puts it and whose matrices are held as {@code layout} says. */
    public static Engine dense(Model model, ComputePool pool, AttentionFactory attention, int contextLength,
                               WeightLayout layout) {
        return new Engine(model, pool, new DenseFeedForward(model, pool, DENSE_BATCH, layout), attention, contextLength,
                DENSE_BATCH, layout);
    }

    /**
     * Bytes a dense engine over {@code model} copies its matrices into with {@link WeightLayout#INTERLEAVED}, to
     * decide beforehand whether they fit.
     */
    public static long interleavedCopyBytes(Model model) {
        long bytes = WeightsFactory.residentCopyBytes(model.outputHead());
        for (int l = 0; l < model.config().layers(); l++) {
            for (String name : List.of(TensorNames.attnQ(l), TensorNames.attnK(l), TensorNames.attnV(l),
                    TensorNames.attnOutput(l), TensorNames.ffnGate(l), TensorNames.ffnUp(l), TensorNames.ffnDown(l))) {
                bytes += WeightsFactory.residentCopyBytes(model.tensor(name));
            }
        }
        return bytes;
    }

    /** Closes {@code resource} (a GPU context, a flash reader) when the engine is closed, before the model. */
    public Engine owning(AutoCloseable resource) {
        owned.add(resource);
        return this;
    }

    /** The context an engine for {@code config} uses when asked for {@code requested} positions (0: a default). */
    public static int contextLength(ModelConfig config, int requested) {
        int max = config.contextLength();
        if (requested < 0) {
            throw new SpeculaException("invalid context length " + requested + ": must be positive");
        }
        if (requested == 0) {
            return Math.min(max, DEFAULT_MAX_CONTEXT);
        }
        if (requested > max) {
            throw new SpeculaException("context length " + requested + " exceeds the model's maximum of " + max);
        }
        return requested;
    }

    public Model model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return model.tokenizer();
    }

    public Transformer transformer() {
        return transformer;
    }

    public AttentionFactory attention() {
        return attention;
    }

    public ComputePool pool() {
        return pool;
    }

    public int contextLength() {
        return contextLength;
    }

    /**
     * Bytes of weights copied out of the model file into a faster layout ({@link dev.specula.runtime.kernel.Weights#copiedBytes}): memory the
     * process holds beside, and instead of, the file's pages for those tensors.
     */
    public long copiedWeightBytes() {
        return transformer.copiedWeightBytes();
    }

    /** Bytes of one session's KV cache at this engine's context length. */
    public long kvCacheBytes() {
        return attention.cacheBytes(model.config(), contextLength);
    }

    /**
     * Decodes with {@code loras} on top of the base model from now on: generation samples from the
     * members' mixture and reports their disagreement.
     */
    public Engine withEnsemble(LoraEnsemble loras) {
        this.ensemble = new EnsembleTransformer(transformer, loras, pool, ensembleDeltas);
        owned.add(ensemble.deltas());
        return this;
    }

    /** Where {@link #withEnsemble} computes the members' LoRA updates (the CPU unless set). */
    public Engine ensembleDeltasOn(EnsembleDeltaFactory deltas) {
        this.ensembleDeltas = deltas;
        return this;
    }

    /** The ensemble set by {@link #withEnsemble}, if any. */
    public Optional<EnsembleTransformer> ensemble() {
        return Optional.ofNullable(ensemble);
    }

    /** Bytes of the KV caches of one generation at the full context: one cache per ensemble member. */
    public long generationKvCacheBytes() {
        return kvCacheBytes() * (ensemble == null ? 1 : ensemble.members());
    }

    public Generator generator() {
        Decoder decoder = ensemble == null ? new ModelDecoder(transformer, attention)
                : new EnsembleDecoder(ensemble, attention);
        return new Generator(decoder, model.tokenizer(), contextLength);
    }

    @Override
    public void close() {
        pool.close();
        for (AutoCloseable resource : owned.reversed()) {
            try {
                resource.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing " + resource, e);
            }
        }
        model.close();
    }
}
