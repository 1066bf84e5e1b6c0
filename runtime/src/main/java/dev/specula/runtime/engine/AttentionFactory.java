package dev.specula.runtime.engine;

import dev.specula.runtime.model.ModelConfig;

/** Makes the attention (and its KV cache) of a new session; the backend is chosen at the composition root. */
@FunctionalInterface
public interface AttentionFactory {
    Attention create(ModelConfig config, int contextLength);
}
