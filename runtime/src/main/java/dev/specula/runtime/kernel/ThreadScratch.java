package dev.specula.runtime.kernel;

/**
 * A float array per compute thread that grows to the largest size asked of it, so kernels reuse it call
 * after call instead of allocating per token. A thread uses it for one call at a time, so it is never
 * shared; each use (a tile, reordered activations) needs its own instance.
 */
final class ThreadScratch {

    private final ThreadLocal<float[]> arrays = ThreadLocal.withInitial(() -> new float[0]);

    /** This thread's array, of at least {@code size} floats; its contents are left from the last use. */
    float[] atLeast(int size) {
        float[] a = arrays.get();
        if (a.length < size) {
            a = new float[size];
            arrays.set(a);
        }
        return a;
    }
}
