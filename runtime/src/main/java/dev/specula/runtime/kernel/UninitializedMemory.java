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
 *
 * <p>Blocks of {@link #HUGE_PAGE} or more start on a huge page's boundary and ask for huge pages
 * ({@code madvise(MADV_HUGEPAGE)}, which Linux honours where transparent huge pages are "always" or "madvise", the
 * common defaults): the hardware prefetchers stop at page boundaries, so a kernel streaming a copy one 64-byte line
 * at a time met a demand miss every 4 KiB. One-row products of interleaved F16 (5632x2048, two threads, streaming)
 * took 549 against 708 us, four-row 457 against 652; Q4_0 and Q8_0, whose kernels compute more per byte, were within
 * the noise either way. Elsewhere the advice fails and is ignored.
 */
final class UninitializedMemory {

    private static final MethodHandle MALLOC;
    private static final MethodHandle FREE;
    private static final MethodHandle MADVISE;
    /** Linux's {@code MADV_HUGEPAGE}. */
    private static final int MADV_HUGEPAGE = 14;
    static final long HUGE_PAGE = 2L << 20;

    static {
        Linker linker = Linker.nativeLinker();
        MALLOC = linker.defaultLookup().find("malloc")
                .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG)))
                .orElse(null);
        MADVISE = linker.defaultLookup().find("madvise")
                .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT)))
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
        boolean huge = bytes >= HUGE_PAGE && MADVISE != null;
        long align = huge ? Math.max(alignment, HUGE_PAGE) : alignment;
        MemorySegment block = malloc(bytes + align);
        long start = (block.address() + align - 1) & -align;
        if (huge) {
            adviseHugePages(start, bytes / HUGE_PAGE * HUGE_PAGE);
        }
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

    /** Asks for huge pages under {@code [start, start + bytes)}; a refusal leaves ordinary pages. */
    private static void adviseHugePages(long start, long bytes) {
        try {
            int ignored = (int) MADVISE.invokeExact(start, bytes, MADV_HUGEPAGE);
        } catch (Throwable e) {
            throw new IllegalStateException("madvise failed", e);
        }
    }

    private static void free(MemorySegment block) {
        try {
            FREE.invokeExact(block);
        } catch (Throwable e) {
            throw new IllegalStateException("free failed", e);
        }
    }
}
