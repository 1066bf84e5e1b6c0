package dev.specula.runtime.kernel;

import dev.specula.runtime.SpeculaException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of persistent worker threads running {@link #parallelFor} bodies.
 *
 * <p>Decode calls {@code parallelFor} several times per layer with a few microseconds of work
 * each, so hand-off must cost far less than a thread wake-up: workers spin for a while after
 * each job (catching the next one within nanoseconds) and only then park. A job is split into a
 * few chunks per thread that the caller and the workers claim from a shared counter. On a busy
 * machine a descheduled worker then costs nothing: the running threads take its chunks, and the
 * caller only waits for chunks already claimed, never for a worker to be scheduled.
 *
 * <p>Jobs allocate nothing: the job's fields are reused, and the claim counter carries the job's
 * generation and chunk count beside the next chunk, so a worker that wakes late for a finished job
 * can never claim a chunk of the next one. The count must come from the claim word, not the field:
 * a late worker can read the next job's count before the caller has reset the claim, and would
 * then claim a chunk past the end of the finished job.
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
    /** Bits of the claim word for the chunk count and for the next chunk. */
    private static final int CHUNK_BITS = 16;
    private static final int CHUNK_MASK = (1 << CHUNK_BITS) - 1;
    /** The most threads a pool takes: their chunks must fit the claim word's chunk count. */
    public static final int MAX_THREADS = CHUNK_MASK / CHUNKS_PER_THREAD;

    private final int threads;
    private final Worker[] workers;
    private final Object lock = new Object();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** {@code generation << 32 | chunk count << 16 | next unclaimed chunk} of the current job. */
    private final AtomicLong claim = new AtomicLong();
    private final AtomicInteger done = new AtomicInteger();
    // The current job; written by the caller before it publishes the generation.
    private RangeBody body;
    private int n;
    private int chunks;
    private volatile int generation;
    private volatile boolean closed;
    private volatile Thread waitingCaller;
    /** The thread inside {@link #parallelFor}; only read to detect nested calls from that thread. */
    private Thread owner;

    /** A pool of {@code threads} threads, the caller's included; a count out of range is the user's to fix. */
    public ComputePool(int threads) {
        if (threads < 1 || threads > MAX_THREADS) {
            throw new SpeculaException("invalid thread count " + threads + ": must be between 1 and " + MAX_THREADS);
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
            if (closed) {
                throw new IllegalStateException("compute pool is closed");
            }
            owner = current;
            try {
                runJob(body, n);
            } finally {
                owner = null;
                this.body = null;
            }
        }
    }

    private void runJob(RangeBody b, int size) {
        body = b;
        n = size;
        chunks = Math.min(size, threads * CHUNKS_PER_THREAD);
        done.set(0);
        int g = generation + 1;
        claim.set((long) g << 32 | (long) chunks << CHUNK_BITS);
        generation = g; // publishes the fields above
        for (Worker w : workers) {
            w.wake();
        }
        runChunks(g);
        awaitChunks();
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

    /**
     * Claims and runs chunks of generation {@code g} until none is left. A claim succeeds only
     * while {@code g} is current, and the caller cannot move on while a claimed chunk runs, so
     * the fields read here belong to {@code g} whenever a chunk is run.
     */
    private void runChunks(int g) {
        RangeBody b = body;
        int size = n;
        while (true) {
            long v = claim.get();
            int c = (int) v & CHUNK_MASK;
            int count = (int) (v >>> CHUNK_BITS) & CHUNK_MASK;
            if ((int) (v >>> 32) != g || c >= count) {
                return;
            }
            if (!claim.compareAndSet(v, v + 1)) {
                continue;
            }
            try {
                b.run((int) ((long) size * c / count), (int) ((long) size * (c + 1) / count));
            } catch (Throwable t) {
                if (!failure.compareAndSet(null, t)) {
                    failure.get().addSuppressed(t);
                }
            } finally {
                if (done.incrementAndGet() == count) {
                    Thread caller = waitingCaller;
                    if (caller != null) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }
    }

    private void awaitChunks() {
        long deadline = System.nanoTime() + SPIN_NANOS;
        while (done.get() != chunks) {
            if (System.nanoTime() < deadline) {
                Thread.onSpinWait();
            } else {
                // Publish before re-checking: the last chunk's thread counts it, then reads waitingCaller.
                waitingCaller = Thread.currentThread();
                if (done.get() != chunks) {
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
            if (closed) {
                return;
            }
            closed = true;
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
            int seen = generation;
            while (true) {
                int g = awaitGeneration(seen);
                if (closed) {
                    return;
                }
                seen = g;
                runChunks(g);
            }
        }

        /** Waits until a job newer than {@code seen} is published or the pool closes. */
        private int awaitGeneration(int seen) {
            long deadline = System.nanoTime() + SPIN_NANOS;
            while (true) {
                int g = generation;
                if (g != seen || closed) {
                    return g;
                }
                if (System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                } else {
                    // Publish before re-checking: the caller writes generation, then reads parked.
                    parked = true;
                    if (generation == seen && !closed) {
                        LockSupport.park(this);
                    }
                    parked = false;
                }
            }
        }
    }
}
