package dev.specula.gpu;

import org.lwjgl.PointerBuffer;
import org.lwjgl.opencl.CL10;
import org.lwjgl.system.MemoryStack;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One device's OpenCL context and in-order command queue, with a program/kernel cache and buffer helpers.
 *
 * <p>Thread-safety: programs, buffers and the byte counters may be used from any thread. A cl_kernel's
 * arguments are shared state, so a launch (set arguments + enqueue) must not interleave with another
 * launch of the same kernel: {@link GpuKernels} does its launches under {@code synchronized (context)}.
 */
public final class OpenClContext implements AutoCloseable {

    /** How weight tensors are placed on the device. */
    public enum WeightPlacement {
        /** Zero-copy when the device shares memory with the host (and the memory is native), else copy. */
        AUTO,
        /** Always copy into a device-owned buffer (CL_MEM_COPY_HOST_PTR). */
        COPY,
        /** Always alias the host memory (CL_MEM_USE_HOST_PTR); the memory must be native. */
        ZERO_COPY
    }

    private record Program(long handle, Map<String, Long> kernels) { }

    private final OpenClDevice device;
    private final long context;
    private final long queue;
    private final Map<String, Program> programs = new HashMap<>();
    private final Set<Long> liveBuffers = new LinkedHashSet<>();
    private final AtomicLong deviceBytes = new AtomicLong();
    private final AtomicLong zeroCopyBytes = new AtomicLong();
    private Arena stagingArena = Arena.ofShared();
    private MemorySegment staging = MemorySegment.NULL;
    private boolean closed;

    private OpenClContext(OpenClDevice device, long context, long queue) {
        this.device = device;
        this.context = context;
        this.queue = queue;
    }

    /** Creates a context and an in-order queue on {@code device}. */
    public static OpenClContext create(OpenClDevice device) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer err = stack.mallocInt(1);
            PointerBuffer props = stack.mallocPointer(3);
            props.put(CL10.CL_CONTEXT_PLATFORM).put(device.platformId()).put(0).flip();
            long ctx = CL10.clCreateContext(props, device.deviceId(), null, 0, err);
            OpenClException.check(err.get(0), "clCreateContext on " + device.name());
            long q = CL10.clCreateCommandQueue(ctx, device.deviceId(), 0, err);
            if (err.get(0) != 0) {
                CL10.clReleaseContext(ctx);
                OpenClException.check(err.get(0), "clCreateCommandQueue on " + device.name());
            }
            return new OpenClContext(device, ctx, q);
        }
    }

    public OpenClDevice device() {
        return device;
    }

    public long queue() {
        return queue;
    }

    // ---------------------------------------------------------------- programs

    /**
     * The kernel {@code kernelName} of the program built from {@code source} with {@code options}; each
     * (source, options) pair is compiled once per context and its kernels are kept until {@link #close()}.
     *
     * @throws ProgramBuildException with the program name and the compiler log when compilation fails
     */
    public synchronized long kernel(String programName, String source, String options, String kernelName) {
        ensureOpen();
        String key = options + '\u0000' + source;
        Program program = programs.get(key);
        if (program == null) {
            program = build(programName, source, options);
            programs.put(key, program);
        }
        Long k = program.kernels().get(kernelName);
        if (k == null) {
            try (MemoryStack stack = MemoryStack.stackPush()) {
                IntBuffer err = stack.mallocInt(1);
                k = CL10.clCreateKernel(program.handle(), kernelName, err);
                OpenClException.check(err.get(0), "clCreateKernel " + kernelName + " in program " + programName);
            }
            program.kernels().put(kernelName, k);
        }
        return k;
    }

    /** Number of programs compiled so far (for tests of the cache). */
    public synchronized int programCount() {
        return programs.size();
    }

    private Program build(String programName, String source, String options) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer err = stack.mallocInt(1);
            long program = CL10.clCreateProgramWithSource(context, source, err);
            OpenClException.check(err.get(0), "clCreateProgramWithSource " + programName);
            int rc = CL10.clBuildProgram(program, device.deviceId(), options, null, 0);
            if (rc != 0) {
                String log;
                try {
                    log = buildLog(program);
                } catch (RuntimeException e) {
                    log = "(build log unavailable: " + e.getMessage() + ")";
                }
                CL10.clReleaseProgram(program);
                throw new ProgramBuildException(programName, device.name(), options, rc, log);
            }
            return new Program(program, new HashMap<>());
        }
    }

    private String buildLog(long program) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            OpenClException.check(CL10.clGetProgramBuildInfo(program, device.deviceId(), CL10.CL_PROGRAM_BUILD_LOG,
                    (ByteBuffer) null, size), "clGetProgramBuildInfo");
            try (Arena arena = Arena.ofConfined()) {
                long n = Math.max(1, size.get(0));
                MemorySegment buf = arena.allocate(n);
                OpenClException.check(CL10.nclGetProgramBuildInfo(program, device.deviceId(), CL10.CL_PROGRAM_BUILD_LOG,
                        n, buf.address(), 0L), "clGetProgramBuildInfo");
                return buf.getString(0);
            }
        }
    }

    /** Work-group size usable for {@code kernel} on this device, at most {@code preferred}, a power of two. */
    public int workGroupSize(long kernel, int preferred) {
        long max;
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer v = stack.callocPointer(1);
            OpenClException.check(CL10.clGetKernelWorkGroupInfo(kernel, device.deviceId(),
                    CL10.CL_KERNEL_WORK_GROUP_SIZE, v, null), "clGetKernelWorkGroupInfo");
            max = v.get(0);
        }
        int wg = Integer.highestOneBit(preferred);
        while (wg > 1 && wg > max) {
            wg >>= 1;
        }
        return wg;
    }

    // ---------------------------------------------------------------- buffers

    /** An uninitialised read-write device buffer. */
    public DeviceBuffer allocate(long bytes) {
        return create(CL10.CL_MEM_READ_WRITE, Math.max(bytes, 4), 0L, false, null);
    }

    /** A read-write device buffer holding a copy of {@code data}. */
    public DeviceBuffer upload(float[] data) {
        DeviceBuffer b = allocate(4L * data.length);
        write(b, 0, data, 0, data.length);
        return b;
    }

    /** A read-write device buffer holding a copy of {@code data}. */
    public DeviceBuffer upload(int[] data) {
        DeviceBuffer b = allocate(4L * data.length);
        if (data.length > 0) {
            MemorySegment s = staging(4L * data.length);
            MemorySegment.copy(data, 0, s, ValueLayout.JAVA_INT, 0, data.length);
            writeBytes(b, 0, s, 4L * data.length);
        }
        return b;
    }

    /**
     * A read-only buffer with the bytes of {@code data} (a weight tensor). With {@link WeightPlacement#AUTO},
     * devices with host-unified memory alias native memory (CL_MEM_USE_HOST_PTR, zero-copy, no extra RAM);
     * discrete devices get one copy (CL_MEM_COPY_HOST_PTR).
     */
    public DeviceBuffer weights(MemorySegment data, WeightPlacement placement) {
        long bytes = data.byteSize();
        if (bytes > device.maxAllocBytes()) {
            throw new OpenClException("buffer of " + bytes + " bytes exceeds the device's largest allocation ("
                    + device.maxAllocBytes() + " bytes, CL_DEVICE_MAX_MEM_ALLOC_SIZE) on " + device.name());
        }
        boolean zeroCopy = switch (placement) {
            case AUTO -> device.hostUnifiedMemory() && data.isNative();
            case COPY -> false;
            case ZERO_COPY -> {
                if (!data.isNative()) {
                    throw new IllegalArgumentException("zero-copy needs native (off-heap or mapped) memory");
                }
                yield true;
            }
        };
        if (zeroCopy) {
            return create(CL10.CL_MEM_READ_ONLY | CL10.CL_MEM_USE_HOST_PTR, bytes, data.address(), true, data);
        }
        if (data.isNative()) {
            return create(CL10.CL_MEM_READ_ONLY | CL10.CL_MEM_COPY_HOST_PTR, bytes, data.address(), false, null);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment tmp = arena.allocate(bytes, 64);
            tmp.copyFrom(data);
            return create(CL10.CL_MEM_READ_ONLY | CL10.CL_MEM_COPY_HOST_PTR, bytes, tmp.address(), false, null);
        }
    }

    private DeviceBuffer create(long flags, long bytes, long hostPtr, boolean zeroCopy, MemorySegment keepAlive) {
        ensureOpen();
        long handle;
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer err = stack.mallocInt(1);
            handle = CL10.nclCreateBuffer(context, flags, bytes, hostPtr, org.lwjgl.system.MemoryUtil.memAddress(err));
            OpenClException.check(err.get(0), "clCreateBuffer of " + bytes + " bytes on " + device.name());
        }
        (zeroCopy ? zeroCopyBytes : deviceBytes).addAndGet(bytes);
        synchronized (this) {
            liveBuffers.add(handle);
        }
        return new DeviceBuffer(this, handle, bytes, zeroCopy, keepAlive);
    }

    void release(DeviceBuffer buffer, long handle) {
        synchronized (this) {
            if (closed || !liveBuffers.remove(handle)) {
                return;
            }
        }
        CL10.clReleaseMemObject(handle);
        (buffer.zeroCopy() ? zeroCopyBytes : deviceBytes).addAndGet(-buffer.bytes());
    }

    /** Bytes of live buffers the device owns (copies, activations, KV caches). */
    public long deviceBytes() {
        return deviceBytes.get();
    }

    /** Bytes of live buffers aliasing host memory (zero-copy weights): no extra memory used. */
    public long zeroCopyBytes() {
        return zeroCopyBytes.get();
    }

    /** Blocking copy of {@code src[srcOff .. srcOff+len)} to the buffer at float offset {@code dstFloatOff}. */
    public synchronized void write(DeviceBuffer dst, long dstFloatOff, float[] src, int srcOff, int len) {
        if (len == 0) {
            return;
        }
        checkRange(dst, 4 * dstFloatOff, 4L * len);
        MemorySegment s = staging(4L * len);
        MemorySegment.copy(src, srcOff, s, ValueLayout.JAVA_FLOAT, 0, len);
        writeBytes(dst, 4 * dstFloatOff, s, 4L * len);
    }

    /** Blocking copy of {@code len} floats at float offset {@code srcFloatOff} into {@code dst[dstOff..]}. */
    public synchronized void read(DeviceBuffer src, long srcFloatOff, float[] dst, int dstOff, int len) {
        if (len == 0) {
            return;
        }
        checkRange(src, 4 * srcFloatOff, 4L * len);
        MemorySegment s = staging(4L * len);
        OpenClException.check(CL10.nclEnqueueReadBuffer(queue, src.handle(), 1, 4 * srcFloatOff, 4L * len,
                s.address(), 0, 0L, 0L), "clEnqueueReadBuffer");
        MemorySegment.copy(s, ValueLayout.JAVA_FLOAT, 0, dst, dstOff, len);
    }

    /** Reads a whole float buffer. */
    public float[] readFloats(DeviceBuffer src, int len) {
        float[] out = new float[len];
        read(src, 0, out, 0, len);
        return out;
    }

    /** Blocking copy of {@code bytes} bytes of native memory {@code src} into the buffer at {@code dstOffset}. */
    public synchronized void writeBytes(DeviceBuffer dst, long dstOffset, MemorySegment src, long bytes) {
        checkRange(dst, dstOffset, bytes);
        OpenClException.check(CL10.nclEnqueueWriteBuffer(queue, dst.handle(), 1, dstOffset, bytes, src.address(),
                0, 0L, 0L), "clEnqueueWriteBuffer");
    }

    /** Enqueues a device-side copy (in order with launches; no host round trip). */
    public void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long bytes) {
        if (bytes == 0) {
            return;
        }
        checkRange(src, srcOffset, bytes);
        checkRange(dst, dstOffset, bytes);
        OpenClException.check(CL10.clEnqueueCopyBuffer(queue, src.handle(), dst.handle(), srcOffset, dstOffset, bytes,
                null, null), "clEnqueueCopyBuffer");
    }

    /** Sets {@code bytes} bytes from {@code offset} to zero (an enqueued copy; in order with launches). */
    public void zero(DeviceBuffer dst, long offset, long bytes) {
        checkRange(dst, offset, bytes);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment z = arena.allocate(Math.max(1, bytes));
            writeBytes(dst, offset, z, bytes);
        }
    }

    private static void checkRange(DeviceBuffer b, long offset, long bytes) {
        if (offset < 0 || bytes < 0 || offset + bytes > b.bytes()) {
            throw new IndexOutOfBoundsException("range [" + offset + ", " + (offset + bytes) + ") outside buffer of "
                    + b.bytes() + " bytes");
        }
    }

    private MemorySegment staging(long bytes) {
        if (staging.byteSize() < bytes) {
            stagingArena.close();
            stagingArena = Arena.ofShared();
            staging = stagingArena.allocate(Math.max(bytes, 1 << 16), 64);
        }
        return staging;
    }

    // ---------------------------------------------------------------- launches

    /** Starts setting the arguments of {@code kernel} in order; finish with {@link Launch#run}. */
    public Launch launch(long kernel) {
        ensureOpen();
        return new Launch(kernel);
    }

    /** Waits for every enqueued command. */
    public void finish() {
        OpenClException.check(CL10.clFinish(queue), "clFinish");
    }

    /** Sequential kernel-argument setter. Not thread-safe; see the class comment. */
    public final class Launch {
        private final long kernel;
        private int index;

        private Launch(long kernel) {
            this.kernel = kernel;
        }

        public Launch arg(DeviceBuffer b) {
            OpenClException.check(CL10.clSetKernelArg1p(kernel, index, b.handle()), "clSetKernelArg " + index);
            index++;
            return this;
        }

        public Launch arg(int v) {
            OpenClException.check(CL10.clSetKernelArg1i(kernel, index, v), "clSetKernelArg " + index);
            index++;
            return this;
        }

        public Launch arg(float v) {
            OpenClException.check(CL10.clSetKernelArg1f(kernel, index, v), "clSetKernelArg " + index);
            index++;
            return this;
        }

        /** A __local argument of {@code bytes} bytes. */
        public Launch local(long bytes) {
            OpenClException.check(CL10.nclSetKernelArg(kernel, index, bytes, 0L), "clSetKernelArg (local) " + index);
            index++;
            return this;
        }

        /** Enqueues the kernel; {@code global[i]} must be a multiple of {@code local[i]}. */
        public void run(long[] global, long[] local) {
            try (MemoryStack stack = MemoryStack.stackPush()) {
                PointerBuffer g = stack.mallocPointer(global.length);
                PointerBuffer l = stack.mallocPointer(local.length);
                for (int i = 0; i < global.length; i++) {
                    g.put(i, global[i]);
                    l.put(i, local[i]);
                }
                OpenClException.check(CL10.clEnqueueNDRangeKernel(queue, kernel, global.length, null, g, l, null, null),
                        "clEnqueueNDRangeKernel");
            }
        }
    }

    // ---------------------------------------------------------------- lifecycle

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("OpenCL context for " + device.name() + " is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        CL10.clFinish(queue);
        List<Long> buffers = new ArrayList<>(liveBuffers);
        liveBuffers.clear();
        for (long b : buffers) {
            CL10.clReleaseMemObject(b);
        }
        deviceBytes.set(0);
        zeroCopyBytes.set(0);
        for (Program p : programs.values()) {
            for (long k : p.kernels().values()) {
                CL10.clReleaseKernel(k);
            }
            CL10.clReleaseProgram(p.handle());
        }
        programs.clear();
        CL10.clReleaseCommandQueue(queue);
        CL10.clReleaseContext(context);
        stagingArena.close();
    }
}
