package dev.specula.runtime.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Native memory handed out without being zeroed first, for buffers that are about to be written whole: the C
 * library's {@code malloc}, freed once the segment is unreachable. {@link Arena#allocate} zeroes what it hands out
 * on the calling thread, a single-threaded pass over fresh pages before the copying threads write them again: a
 * large {@code malloc} maps fresh pages, which the kernel zeroes as those threads first touch them. tinyllama-1.1b's
 * dense engine took 3.6-3.7 s to build with zeroed copies (Q8_0, 1.1 GB), 2.6-2.8 s with these; Q4_K 2.1-2.2
 * against 1.5-1.7 s. Where the C library cannot be reached, memory comes from {@link Arena#ofAuto()}, zeroed.
 */
final class UninitializedMemory {

    private static final MethodHandle MALLOC;
    private static final MethodHandle FREE;

    static {
        Linker linker = Linker.nativeLinker();
        MALLOC = linker.defaultLookup().find("malloc")
                .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG)))
                .orElse(null);
        FREE = linker.defaultLookup().find("free")
                .map(f -> linker.downcallHandle(f, FunctionDescriptor.ofVoid(ValueLayout.ADDRESS)))
                .orElse(null);
    }

    private UninitializedMemory() {
    }

    /** {@code bytes} of native memory aligned to {@code alignment} (a power of two), contents undefined. */
    static MemorySegment allocate(long bytes, long alignment) {
        if (MALLOC == null || FREE == null) {
            return Arena.ofAuto().allocate(bytes, alignment);
        }
        MemorySegment block = malloc(bytes + alignment);
        long start = (block.address() + alignment - 1) & -alignment;
        // The cleanup holds the block's address, not the segment handed out, which must become unreachable.
        return MemorySegment.ofAddress(start).reinterpret(bytes, Arena.ofAuto(), unused -> free(block));
    }

    private static MemorySegment malloc(long bytes) {
        MemorySegment block;
        try {
            block = (MemorySegment) MALLOC.invokeExact(bytes);
        } catch (Throwable e) {
            throw new IllegalStateException("malloc failed", e);
        }
        if (block.equals(MemorySegment.NULL)) {
            throw new OutOfMemoryError("cannot allocate " + bytes + " bytes of native memory");
        }
        return block;
    }

    private static void free(MemorySegment block) {
        try {
            FREE.invokeExact(block);
        } catch (Throwable e) {
            throw new IllegalStateException("free failed", e);
        }
    }
}
