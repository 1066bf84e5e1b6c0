package dev.specula.runtime.kernel;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Where a float array's first element is in memory right now. Java neither aligns arrays beyond 8
 * bytes nor says where they are, and the collector may move them, so this asks the C library:
 * {@code memset(a, 0, 0)} writes nothing and returns its argument, and a critical downcall passes a
 * heap array's address itself (about 5 ns a call). The answer is only a hint for placing data: by the
 * time it is used the array may have moved, which costs speed, never correctness.
 */
final class ArrayAddress {

    /** {@code memset} as a critical downcall, or null where native access is not enabled. */
    private static final MethodHandle MEMSET = memset();

    private ArrayAddress() {
    }

    /** The address of {@code a[0]} now, or 0 when it cannot be asked. */
    static long of(float[] a) {
        if (MEMSET == null) {
            return 0;
        }
        try {
            return (long) MEMSET.invokeExact(MemorySegment.ofArray(a), 0, 0L);
        } catch (Throwable e) {
            throw new IllegalStateException("memset downcall failed", e);
        }
    }

    private static MethodHandle memset() {
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("memset")
                    .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS,
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG), Linker.Option.critical(true)))
                    .orElse(null);
        } catch (IllegalCallerException | UnsupportedOperationException e) {
            return null;
        }
    }
}
