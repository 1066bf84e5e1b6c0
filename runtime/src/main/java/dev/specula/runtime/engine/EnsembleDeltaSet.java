package dev.specula.runtime.engine;

/**
 * The LoRA updates of an ensemble's members, computed wherever the implementation keeps them (the
 * CPU, or an OpenCL device), seen either as "row k of the batch is member k" (ensemble decode) or
 * "every row is member m" (a member's prompt).
 */
public interface EnsembleDeltaSet extends AutoCloseable {

    /** Row {@code k} of a batch gets member {@code k}'s update. */
    ProjectionDelta perRow();

    /** Every row of a batch gets member {@code k}'s update. */
    ProjectionDelta member(int k);

    /** Releases what the updates hold beyond the heap (device memory); nothing by default. */
    @Override
    default void close() {
    }
}
