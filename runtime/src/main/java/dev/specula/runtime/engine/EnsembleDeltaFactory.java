package dev.specula.runtime.engine;

import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.lora.LoraEnsemble;
import dev.specula.runtime.model.ModelConfig;

/**
 * Where an ensemble's LoRA updates run: {@link #CPU} unless the composition root hands the engine
 * another (a GPU backend), so the engine never needs to know about devices.
 */
@FunctionalInterface
public interface EnsembleDeltaFactory {
    EnsembleDeltaFactory CPU = EnsembleDeltas::new;

    /** The updates of {@code ensemble} on a base of {@code config}, for batches of up to {@code maxBatch} rows. */
    EnsembleDeltaSet create(LoraEnsemble ensemble, ModelConfig config, ComputePool pool, int maxBatch);
}
