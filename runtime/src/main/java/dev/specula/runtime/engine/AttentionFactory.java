package dev.specula.runtime.engine;

import dev.specula.runtime.model.ModelConfig;

/** Makes the attention (and its KV cache) of a new session; the backend is chosen at the composition root. */
@FunctionalInterface
public interface AttentionFactory {
    Attention create(ModelConfig config, int contextLength);

    /** Bytes of a full cache of {@code positions} positions: F32 unless the backend stores it otherwise. */
    default long cacheBytes(ModelConfig config, int positions) {
        return KvCacheType.F32.bytes(config, positions);
    }
}
