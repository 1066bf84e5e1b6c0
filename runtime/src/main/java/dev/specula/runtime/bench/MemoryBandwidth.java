package dev.specula.runtime.bench;

import dev.specula.runtime.kernel.ComputePool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * This machine's memory read bandwidth as decode sees it: every thread of the pool streams its
 * share of an off-heap buffer far larger than the caches through Vector API loads.
 * A pass reads one of the buffer's {@value #SLICES} slices, the next one each time, so a pass is short
 * and still reads memory rather than cache as long as the buffer is well above the last-level cache:
 * the slice it reads was last read {@value #SLICES} passes ago. The best of many passes is kept.
 */
public final class MemoryBandwidth {

    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final long STEP = 4L * FLOATS.vectorByteSize();
    private static final int SLICES = 8;

    private MemoryBandwidth() {
    }

    /**
     * Bytes per second of the fastest of at least {@code passes} reads of an eighth of a {@code bytes}-byte
     * buffer lasting at least {@code minMillis} in all.
     */
    public static double measure(ComputePool pool, long bytes, int passes, long minMillis) {
        long perThread = STEP * pool.threads();
        long slice = Math.max(1, bytes / (SLICES * perThread)) * perThread;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(slice * SLICES, 64);
            buffer.fill((byte) 1); // touch every page so the passes read memory, not fresh zero pages
            long share = slice / pool.threads();
            float[] sums = new float[pool.threads()];
            int[] next = {0};
            double best = BestOf.rate(passes, minMillis * 1_000_000, () -> {
                long base = slice * (next[0]++ % SLICES);
                long start = System.nanoTime();
                pool.parallelFor(pool.threads(), (from, to) -> {
                    for (int t = from; t < to; t++) {
                        sums[t] = sum(buffer, base + t * share, share);
                    }
                });
                return slice / ((System.nanoTime() - start) / 1e9);
            });
            Blackhole.consume(sums);
            return best;
        }
    }

    /** Four accumulators so the loop is bound by loads, not by the latency of the adds. */
    private static float sum(MemorySegment s, long from, long length) {
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = FloatVector.zero(FLOATS);
        FloatVector a2 = FloatVector.zero(FLOATS);
        FloatVector a3 = FloatVector.zero(FLOATS);
        int w = FLOATS.vectorByteSize();
        for (long at = from; at < from + length; at += STEP) {
            a0 = a0.add(FloatVector.fromMemorySegment(FLOATS, s, at, ByteOrder.nativeOrder()));
            a1 = a1.add(FloatVector.fromMemorySegment(FLOATS, s, at + w, ByteOrder.nativeOrder()));
            a2 = a2.add(FloatVector.fromMemorySegment(FLOATS, s, at + 2L * w, ByteOrder.nativeOrder()));
            a3 = a3.add(FloatVector.fromMemorySegment(FLOATS, s, at + 3L * w, ByteOrder.nativeOrder()));
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }
}
