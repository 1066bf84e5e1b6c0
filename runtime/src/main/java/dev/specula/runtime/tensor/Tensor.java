package dev.specula.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A named, typed view of weights in memory (usually a slice of a memory-mapped file).
 *
 * <p>{@code dims} follow ggml's order: {@code dims[0]} is the innermost (contiguous) dimension.
 * A 2-D weight matrix therefore has {@code dims = {cols, rows}} and stores row after row;
 * this is the layout of GGUF, safetensors ({@code [out, in]}) and llama2.c alike.
 */
public record Tensor(String name, GgmlType type, long[] dims, MemorySegment data) {

    public Tensor {
        dims = dims.clone();
        long expected = type.bytesFor(elementCount(dims));
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("tensor " + name + ": " + data.byteSize() + " bytes but "
                    + type + Arrays.toString(dims) + " needs " + expected);
        }
    }

    public static long elementCount(long[] dims) {
        long n = 1;
        for (long d : dims) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public long elementCount() {
        return elementCount(dims);
    }

    /** Length of one row (the innermost dimension). */
    public int cols() {
        return Math.toIntExact(dims[0]);
    }

    /** Number of rows: the product of every dimension but the innermost. */
    public int rows() {
        return Math.toIntExact(elementCount() / dims[0]);
    }

    public long byteSize() {
        return data.byteSize();
    }

    /** Bytes of one row. */
    public long rowBytes() {
        return type.bytesFor(dims[0]);
    }

    @Override
    public String toString() {
        return name + " " + type + Arrays.toString(dims);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && t.name.equals(name) && t.type == type && Arrays.equals(t.dims, dims)
                && t.data.equals(data);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(dims);
    }
}
