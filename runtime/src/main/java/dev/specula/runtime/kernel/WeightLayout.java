package dev.specula.runtime.kernel;

import dev.specula.runtime.tensor.Tensor;

/** How an engine holds the matrices it multiplies every token. */
public enum WeightLayout {
    /**
     * Multiplied where the file is mapped: nothing is copied, and under memory pressure the kernel may drop the
     * pages and read them from the file again, so a model near the size of memory still runs.
     */
    MAPPED,
    /**
     * Copied at load where a type has a faster layout ({@link WeightsFactory#resident}): anonymous memory of about
     * the weights' size, which only swap can take back, while the file's pages are let go.
     */
    INTERLEAVED;

    /** {@code t}'s weights, held this way. */
    public Weights weights(Tensor t) {
        return this == MAPPED ? WeightsFactory.of(t) : WeightsFactory.resident(t);
    }
}
