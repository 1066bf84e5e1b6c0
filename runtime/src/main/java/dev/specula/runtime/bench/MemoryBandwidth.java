package dev.specula.runtime.bench;

import dev.specula.runtime.kernel.ComputePool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * This machine's memory read bandwidth as decode sees it: every thread of the pool streams its
 * share of an off-heap buffer far larger than the caches through Vector API loads ({@link StreamSum}).
 * A pass reads one of the buffer's {@value #SLICES} slices, the next one each time, so a pass is short
 * and still reads memory rather than cache as long as the buffer is well above the last-level cache:
 * the slice it reads was last read {@value #SLICES} passes ago. The best of many passes is kept.
 */
public final class MemoryBandwidth {

    private static final int SLICES = 8;

    private MemoryBandwidth() {
    }

    /**
     * Bytes per second of the fastest of at least {@code passes} reads of an eighth of a {@code bytes}-byte
     * buffer lasting at least {@code minMillis} in all.
     */
    public static double measure(ComputePool pool, long bytes, int passes, long minMillis) {
        long perThread = StreamSum.STEP * pool.threads();
        long slice = Math.max(1, bytes / (SLICES * perThread)) * perThread;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(slice * SLICES, 64);
            buffer.fill((byte) 1); // touch every page so the passes read memory, not fresh zero pages
            long share = slice / pool.threads();
            long[] sums = new long[pool.threads()];
            int[] next = {0};
            double best = BestOf.rate(passes, minMillis * 1_000_000, () -> {
                long base = slice * (next[0]++ % SLICES);
                long start = System.nanoTime();
                pool.parallelFor(pool.threads(), (from, to) -> {
                    for (int t = from; t < to; t++) {
                        sums[t] = StreamSum.sum(buffer, base + t * share, share);
                    }
                });
                return slice / ((System.nanoTime() - start) / 1e9);
            });
            Blackhole.consume(sums);
            return best;
        }
    }
}
