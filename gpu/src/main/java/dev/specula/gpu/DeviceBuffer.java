package dev.specula.gpu;

import java.lang.foreign.MemorySegment;

/**
 * A cl_mem buffer owned by an {@link OpenClContext}. {@link #zeroCopy()} buffers alias host memory
 * (CL_MEM_USE_HOST_PTR over a tensor's native memory): the segment is kept reachable here and must
 * stay mapped for as long as the buffer is used.
 */
public final class DeviceBuffer implements AutoCloseable {

    private final OpenClContext context;
    private final long handle;
    private final long bytes;
    private final boolean zeroCopy;
    @SuppressWarnings("unused") // keeps an auto-arena segment alive while the device aliases it
    private final MemorySegment hostMemory;
    private boolean released;

    DeviceBuffer(OpenClContext context, long handle, long bytes, boolean zeroCopy, MemorySegment hostMemory) {
        this.context = context;
        this.handle = handle;
        this.bytes = bytes;
        this.zeroCopy = zeroCopy;
        this.hostMemory = hostMemory;
    }

    /** The cl_mem handle. */
    public long handle() {
        if (released) {
            throw new IllegalStateException("device buffer already released");
        }
        return handle;
    }

    public long bytes() {
        return bytes;
    }

    /** Whether the buffer aliases host memory instead of owning a device copy. */
    public boolean zeroCopy() {
        return zeroCopy;
    }

    public OpenClContext context() {
        return context;
    }

    public boolean released() {
        return released;
    }

    @Override
    public void close() {
        if (!released) {
            released = true;
            context.release(this, handle);
        }
    }
}
