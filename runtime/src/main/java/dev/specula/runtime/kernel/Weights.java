package dev.specula.runtime.kernel;

import dev.specula.runtime.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * A weight matrix of {@code rows x cols} in some storage type, able to multiply activations.
 * Kernels are pure functions of the weights and the arguments: no hidden state, no allocation,
 * so they can be called from any thread on disjoint row ranges.
 */
public interface Weights {

    int rows();

    int cols();

    Tensor tensor();

    /**
     * For every {@code b < batch} and row {@code r} in {@code [rowFrom, rowTo)}:
     * {@code out[b * rows() + r] = sum_c W[r][c] * x[b * cols() + c]}.
     * With {@code batch == 1} this is the decode matrix-vector product.
     */
    void matmul(float[] x, float[] out, int batch, int rowFrom, int rowTo);

    /**
     * {@link #matmul(float[], float[], int, int, int)} for a prompt batch (more than four rows) whose
     * activations {@link MatMul} has laid out once for all of its threads.
     */
    void matmul(BatchActivations x, float[] out, int rowFrom, int rowTo);

    /**
     * Rows that kernels compute together: {@link MatMul} hands threads row ranges in multiples of this, since
     * a range that splits a group costs the whole group's work.
     */
    default int rowGroup() {
        return 1;
    }

    /**
     * Bytes of the weights copied out of the tensor's segment into memory of their own (a faster layout), which
     * the process holds as anonymous memory rather than as the model file's pages; 0 for weights read in place.
     */
    default long copiedBytes() {
        return 0;
    }

    /**
     * The memory a product reads, all of it every time: the copied layout where there is one, else the tensor's
     * own bytes (a mapped file's pages). Read-only; for measuring how fast this machine streams it.
     */
    MemorySegment storage();

    /**
     * The Java array {@link #storage} views from its first byte, where the weights live on the heap: their kernels
     * read them as an array, and so must a read that measures how fast they stream (see {@link #storage}). Not to be
     * written. Empty for native memory.
     */
    default Optional<byte[]> storageArray() {
        return Optional.empty();
    }

    /** Writes row {@code r}, dequantized, to {@code dst[offset .. offset + cols())} (embedding lookup). */
    void row(int r, float[] dst, int offset);
}
