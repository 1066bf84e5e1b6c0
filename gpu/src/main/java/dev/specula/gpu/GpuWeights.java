package dev.specula.gpu;

import dev.specula.runtime.tensor.GgmlType;

/**
 * A weight matrix resident on the device: {@code rows x cols} in GGML layout (row after row).
 * Zero-copy on host-unified devices (see {@link OpenClContext#weights}).
 */
public record GpuWeights(String name, GgmlType type, int rows, int cols, DeviceBuffer buffer) implements AutoCloseable {

    public long bytes() {
        return buffer.bytes();
    }

    @Override
    public void close() {
        buffer.close();
    }
}
