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
    INTERLEAVED,
    /**
     * As {@link #INTERLEAVED}, for an engine whose products are of one activation row (one sequence, no LoRA
     * ensemble): Q4_0 in wider groups where they are faster ({@link WeightsFactory#residentForOneRow}), which make two
     * to four rows' products (an ensemble's members) slower. The same bytes copied.
     */
    INTERLEAVED_WIDE;

    /**
     * The copied layout for an engine that decodes with a LoRA ensemble ({@link #INTERLEAVED}) or one sequence alone
     * ({@link #INTERLEAVED_WIDE}).
     */
    public static WeightLayout interleavedFor(boolean ensemble) {
        return ensemble ? INTERLEAVED : INTERLEAVED_WIDE;
    }

    /** {@code t}'s weights, held this way. */
    public Weights weights(Tensor t) {
        return switch (this) {
            case MAPPED -> WeightsFactory.of(t);
            case INTERLEAVED -> WeightsFactory.resident(t);
            case INTERLEAVED_WIDE -> WeightsFactory.residentForOneRow(t);
        };
    }
}
