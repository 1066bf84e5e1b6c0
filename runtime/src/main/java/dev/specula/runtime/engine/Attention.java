package dev.specula.runtime.engine;

/**
 * Causal self-attention for one sequence, owning that sequence's key/value cache: the cache
 * lives wherever attention runs (CPU memory here, device memory for a GPU backend).
 * Queries and keys arrive with RoPE already applied.
 */
public interface Attention extends AutoCloseable {

    /** Stores keys and values of {@code batch} tokens at positions {@code startPos ..}; rows are kvDim wide. */
    void store(int layer, float[] k, float[] v, int batch, int startPos);

    /**
     * For each token {@code b < batch} at position {@code startPos + b}: attends its query heads
     * ({@code q[b*dim ..]}) over positions {@code 0 .. startPos + b} and writes {@code out[b*dim ..]}.
     */
    void attend(int layer, float[] q, int batch, int startPos, float[] out);

    /** Positions the cache can hold. */
    int capacity();

    /** Bytes the cache holds now (a cache may grow with the sequence, up to {@link #capacity()} positions). */
    long bytes();

    /** Releases the cache (device memory for a GPU backend). */
    @Override
    default void close() {
    }
}
