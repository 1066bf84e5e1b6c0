package dev.specula.runtime.model;

/**
 * How rotary position embeddings pair up the dimensions of a head.
 * GGUF (after llama.cpp's conversion) and llama2.c rotate adjacent pairs (2i, 2i+1);
 * Hugging Face checkpoints rotate the two halves of a head (i, i + headDim/2).
 * The weights differ by a row permutation of W_q and W_k, so the forward pass follows the
 * checkpoint's style rather than rewriting its weights.
 */
public enum RopeStyle {
    INTERLEAVED,
    HALF
}
