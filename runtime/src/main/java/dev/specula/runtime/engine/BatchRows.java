package dev.specula.runtime.engine;

/**
 * What the rows of a forward batch are: the tokens of one sequence at consecutive positions
 * ({@link SequenceRows}), or the same token for K ensemble members, each with its own KV cache
 * ({@link MemberRows}). The layer arithmetic is the same; only positions and attention differ.
 */
interface BatchRows {

    /** Position of row {@code row} in its sequence (for RoPE). */
    int position(int row);

    /** Stores the rows' keys and values in their caches and writes each row's attention output. */
    void attend(int layer, float[] q, float[] k, float[] v, int batch, float[] out);
}
