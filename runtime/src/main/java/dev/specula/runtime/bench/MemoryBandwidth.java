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
 * The best of several passes is kept, since other processes on a shared box only slow passes down.
 */
public final class MemoryBandwidth {

    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final long STEP = 4L * FLOATS.vectorByteSize();

    private MemoryBandwidth() {
    }

    /** Bytes per second of the fastest of {@code passes} reads of a {@code bytes}-byte buffer. */
    public static double measure(ComputePool pool, long bytes, int passes) {
        try (Arena arena = Arena.ofShared()) {
            long size = bytes / (STEP * pool.threads()) * STEP * pool.threads();
            MemorySegment buffer = arena.allocate(size, 64);
            buffer.fill((byte) 1); // touch every page so the passes read memory, not fresh zero pages
            long slice = size / pool.threads();
            float[] sums = new float[pool.threads()];
            double best = 0;
            for (int p = 0; p < passes; p++) {
                long start = System.nanoTime();
                pool.parallelFor(pool.threads(), (from, to) -> {
                    for (int t = from; t < to; t++) {
                        sums[t] = sum(buffer, t * slice, slice);
                    }
                });
                best = Math.max(best, size / ((System.nanoTime() - start) / 1e9));
            }
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
