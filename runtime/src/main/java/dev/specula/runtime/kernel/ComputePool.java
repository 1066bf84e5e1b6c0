package dev.specula.runtime.kernel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of persistent worker threads running {@link #parallelFor} bodies.
 *
 * <p>Decode calls {@code parallelFor} about ten times per layer with a few microseconds of work
 * each, so hand-off must cost far less than a thread wake-up: workers spin for a while after
 * each job (catching the next one within nanoseconds) and only then park. A job is published as
 * one object through a volatile field and split into a few chunks per thread that the caller and
 * the workers claim from a shared counter. On a busy machine a descheduled worker then costs
 * nothing: the threads that are running take its chunks, and the caller only waits for chunks
 * already claimed, never for a worker to be scheduled.
 *
 * <p>Calls from several threads are serialised. A {@code parallelFor} issued from inside a body
 * (on the caller or a worker) runs inline rather than deadlocking.
 */
public final class ComputePool implements AutoCloseable {

    /**
     * How long an idle thread spins before parking. Long enough to bridge the gap between two
     * matmuls of a decode step (norms, RoPE, attention bookkeeping), short enough not to burn a
     * core between requests.
     */
    private static final long SPIN_NANOS = 100_000;

    /** Chunks per thread: enough to even out threads that run slower or start late. */
    private static final int CHUNKS_PER_THREAD = 4;

    private static final class Job {
        final RangeBody body;
        final int n;
        final int chunks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();

        Job(RangeBody body, int n, int chunks) {
            this.body = body;
            this.n = n;
            this.chunks = chunks;
        }

        int start(int chunk) {
            return (int) ((long) n * chunk / chunks);
        }
    }

    private static final Job CLOSED = new Job((from, to) -> { }, 0, 0);

    private final int threads;
    private final Worker[] workers;
    private final Object lock = new Object();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile Job job;
    private volatile Thread waitingCaller;
    /** The thread inside {@link #parallelFor}; only read to detect nested calls from that thread. */
    private Thread owner;

    public ComputePool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be positive, got " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].start();
        }
    }

    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs {@code body} over {@code [0, n)} split into contiguous ranges, each run by exactly one
     * thread; returns when all ranges are done. The first exception thrown by any range is
     * rethrown here (others suppressed), after every range has finished.
     */
    public void parallelFor(int n, RangeBody body) {
        if (n <= 0) {
            return;
        }
        Thread current = Thread.currentThread();
        if (n == 1 || threads == 1 || current == owner || (current instanceof Worker w && w.pool() == this)) {
            body.run(0, n);
            return;
        }
        synchronized (lock) {
            if (job == CLOSED) {
                throw new IllegalStateException("compute pool is closed");
            }
            owner = current;
            try {
                runJob(new Job(body, n, Math.min(n, threads * CHUNKS_PER_THREAD)));
            } finally {
                owner = null;
            }
        }
    }

    private void runJob(Job j) {
        job = j;
        for (Worker w : workers) {
            w.wake();
        }
        runChunks(j);
        awaitChunks(j);
        Throwable t = failure.getAndSet(null);
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new RuntimeException(t); // a checked exception thrown sneakily
        }
    }

    /** Claims and runs chunks of {@code j} until none is left; the thread finishing the last one wakes the caller. */
    private void runChunks(Job j) {
        for (int c = j.next.getAndIncrement(); c < j.chunks; c = j.next.getAndIncrement()) {
            try {
                j.body.run(j.start(c), j.start(c + 1));
            } catch (Throwable t) {
                if (!failure.compareAndSet(null, t)) {
                    failure.get().addSuppressed(t);
                }
            } finally {
                if (j.done.incrementAndGet() == j.chunks) {
                    Thread caller = waitingCaller;
                    if (caller != null) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }
    }

    private void awaitChunks(Job j) {
        long deadline = System.nanoTime() + SPIN_NANOS;
        while (j.done.get() != j.chunks) {
            if (System.nanoTime() < deadline) {
                Thread.onSpinWait();
            } else {
                // Publish before re-checking: the last chunk's thread counts it, then reads waitingCaller.
                waitingCaller = Thread.currentThread();
                if (j.done.get() != j.chunks) {
                    LockSupport.park(this);
                }
                waitingCaller = null;
            }
        }
    }

    /** Stops the workers (after the running call, if any); later {@code parallelFor} calls fail. */
    @Override
    public void close() {
        synchronized (lock) {
            if (job == CLOSED) {
                return;
            }
            job = CLOSED;
            for (Worker w : workers) {
                w.wake();
            }
        }
        for (Worker w : workers) {
            try {
                w.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private final class Worker extends Thread {

        private volatile boolean parked;

        Worker(int index) {
            super("specula-compute-" + index);
            setDaemon(true);
        }

        ComputePool pool() {
            return ComputePool.this;
        }

        void wake() {
            if (parked) {
                LockSupport.unpark(this);
            }
        }

        @Override
        public void run() {
            Job last = null;
            while (true) {
                Job j = awaitJob(last);
                if (j == CLOSED) {
                    return;
                }
                last = j;
                runChunks(j);
            }
        }

        private Job awaitJob(Job last) {
            long deadline = System.nanoTime() + SPIN_NANOS;
            while (true) {
                Job j = job;
                if (j != last) {
                    return j;
                }
                if (System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                } else {
                    // Publish before re-checking: the caller writes job, then reads parked.
                    parked = true;
                    if (job == last) {
                        LockSupport.park(this);
                    }
                    parked = false;
                }
            }
        }
    }
}
