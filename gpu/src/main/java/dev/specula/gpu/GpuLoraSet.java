package dev.specula.gpu;

/**
 * A stack of LoRA adapters for one projection, resident on the device:
 * A is {@code adapters x rank x in}, B is {@code adapters x out x rank}, one scale (alpha / rank) per adapter.
 */
public record GpuLoraSet(int adapters, int in, int out, int rank, DeviceBuffer a, DeviceBuffer b, DeviceBuffer scales)
        implements AutoCloseable {

    public long bytes() {
        return a.bytes() + b.bytes() + scales.bytes();
    }

    @Override
    public void close() {
        a.close();
        b.close();
        scales.close();
    }
}
