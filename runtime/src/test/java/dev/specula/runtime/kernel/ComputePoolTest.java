package dev.specula.runtime.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.SpeculaException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ComputePoolTest {

    @Test
    void everyIndexRunsExactlyOnceWhateverTheSplit() {
        try (ComputePool pool = new ComputePool(3)) {
            for (int n : new int[]{1, 2, 3, 5, 12, 13, 100, 4097}) {
                for (int round = 0; round < 50; round++) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    pool.parallelFor(n, (from, to) -> {
                        for (int i = from; i < to; i++) {
                            hits.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, hits.get(i), "n " + n + " index " + i);
                    }
                }
            }
        }
    }

    /** A thread count comes from the user (--threads): one no pool can take is their error, named, not a bug. */
    @Test
    void refusesThreadCountsItCannotHold() {
        for (int threads : new int[]{0, -2, ComputePool.MAX_THREADS + 1}) {
            SpeculaException e = assertThrows(SpeculaException.class, () -> new ComputePool(threads));
            assertEquals("invalid thread count " + threads + ": must be between 1 and " + ComputePool.MAX_THREADS,
                    e.getMessage());
        }
    }

    /**
     * Jobs of alternating sizes back to back: a worker late for one job must never claim a piece counted against
     * the next (which hung the caller, or let it return with a range not yet run).
     */
    @Test
    void alternatingJobSizesNeitherHangNorSkipRanges() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (ComputePool pool = new ComputePool(2)) {
                int[] sizes = {2, 64, 3, 8, 5};
                int[] hits = new int[64];
                for (int round = 0; round < 200_000; round++) {
                    int n = sizes[round % sizes.length];
                    pool.parallelFor(n, (from, to) -> {
                        for (int i = from; i < to; i++) {
                            hits[i]++;
                        }
                    });
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, hits[i], "round " + round + " n " + n + " index " + i);
                        hits[i] = 0;
                    }
                }
            }
        });
    }

    /**
     * A worker stalled in its first piece (as one descheduled by a busy machine) holds up only that piece: the caller
     * runs the rest of the worker's part. Chunks of an eighth of the job each, as before, held eight of these 64.
     */
    @Test
    void aStalledWorkerHoldsOnlyThePieceItClaimed() {
        try (ComputePool pool = new ComputePool(2)) {
            int n = 64;
            AtomicIntegerArray hits = new AtomicIntegerArray(n);
            AtomicInteger byWorker = new AtomicInteger();
            boolean[] stalled = {false};
            pool.parallelFor(n, (from, to) -> {
                boolean worker = Thread.currentThread().getName().startsWith("specula-compute-");
                if (worker) {
                    byWorker.addAndGet(to - from);
                }
                sleep(worker && !stalled[0] ? 300 : 1);
                stalled[0] |= worker;
                for (int i = from; i < to; i++) {
                    hits.incrementAndGet(i);
                }
            });
            for (int i = 0; i < n; i++) {
                assertEquals(1, hits.get(i), "index " + i);
            }
            assertTrue(byWorker.get() <= n / 16, "the worker ran " + byWorker.get() + " of " + n);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void rethrowsAfterEveryRangeFinished() {
        try (ComputePool pool = new ComputePool(2)) {
            IllegalStateException boom = new IllegalStateException("boom");
            AtomicIntegerArray hits = new AtomicIntegerArray(64);
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> pool.parallelFor(64, (from, to) -> {
                for (int i = from; i < to; i++) {
                    hits.incrementAndGet(i);
                }
                if (from == 0) {
                    throw boom;
                }
            }));
            assertSame(boom, thrown);
            for (int i = 0; i < 64; i++) {
                assertEquals(1, hits.get(i));
            }
            int[] sum = new int[1];
            pool.parallelFor(1, (from, to) -> sum[0] += to - from); // still usable
            assertEquals(1, sum[0]);
        }
    }

    @Test
    void nestedCallsRunInlineAndClosedPoolRefuses() {
        ComputePool pool = new ComputePool(2);
        AtomicIntegerArray hits = new AtomicIntegerArray(16);
        pool.parallelFor(4, (from, to) -> {
            for (int i = from; i < to; i++) {
                int row = i;
                pool.parallelFor(4, (f, t) -> {
                    for (int j = f; j < t; j++) {
                        hits.incrementAndGet(row * 4 + j);
                    }
                });
            }
        });
        for (int i = 0; i < 16; i++) {
            assertEquals(1, hits.get(i));
        }
        pool.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.parallelFor(8, (f, t) -> { }));
        assertTrue(e.getMessage().contains("closed"));
    }
}
