package dev.specula.offload;

import dev.specula.runtime.SpeculaException;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OverlapTest {

    @Test
    void runsTheTaskOnItsOwnThreadWhileTheCallerWorks() throws InterruptedException {
        try (Overlap overlap = new Overlap("test-overlap")) {
            CountDownLatch callerWorked = new CountDownLatch(1);
            AtomicReference<Thread> ran = new AtomicReference<>();
            int[] value = new int[1];
            overlap.start(() -> {
                ran.set(Thread.currentThread());
                try {
                    // Finishes only once the caller has done its part: the two really run at the same time.
                    assertTrue(callerWorked.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                value[0] = 42;
            });
            callerWorked.countDown();
            overlap.await();
            assertEquals(42, value[0], "the task's writes are visible after await");
            assertNotSame(Thread.currentThread(), ran.get());
            for (int i = 0; i < 1000; i++) {
                int expected = i;
                overlap.start(() -> value[0] = expected);
                overlap.await();
                assertEquals(expected, value[0]);
            }
        }
    }

    @Test
    void aFailingTaskThrowsFromAwaitAndTheNextTaskStillRuns() {
        try (Overlap overlap = new Overlap("test-overlap")) {
            SpeculaException failure = new SpeculaException("read failed at offset 4096");
            overlap.start(() -> {
                throw failure;
            });
            assertSame(failure, assertThrows(SpeculaException.class, overlap::await));
            boolean[] ran = new boolean[1];
            overlap.start(() -> ran[0] = true);
            overlap.await();
            assertTrue(ran[0]);
        }
    }

    @Test
    void startingBeforeTheLastTaskWasAwaitedIsRefused() {
        try (Overlap overlap = new Overlap("test-overlap")) {
            CountDownLatch release = new CountDownLatch(1);
            overlap.start(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThrows(IllegalStateException.class, () -> overlap.start(() -> { }));
            release.countDown();
            overlap.await();
        }
    }
}
