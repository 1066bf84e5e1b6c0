package dev.specula.runtime.kernel;

import dev.specula.runtime.SpeculaException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of persistent worker threads running {@link #parallelFor} bodies.
 *
 * <p>Decode calls {@code parallelFor} several times per layer with a few microseconds of work
 * each, so hand-off must cost far less than a thread wake-up: workers spin for a while after
 * each job (catching the next one within nanoseconds) and only then park. A job's range is split
 * into one contiguous part per thread, claimed piece by piece ({@link RangeClaims}): a thread
 * streams through its own part, then takes pieces from the back of the others'. On a busy machine
 * a descheduled worker then costs little: the running threads take the rest of its part, and the
 * caller only waits for the piece it holds, never for a worker to be scheduled.
 *
 * <p>Jobs allocate nothing: the job's fields are reused, and every claim carries the job's
 * generation, so a worker that wakes late for a finished job can never claim a piece of the next
 * one (it may read the next job's fields, but none of its claims succeeds until that job is
 * published, and its fields cannot change while one of its pieces runs).
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

    /** The most threads a pool takes: more than any machine it runs on has cores (each costs two cache lines). */
    public static final int MAX_THREADS = 4096;

    private final int threads;
    private final Worker[] workers;
    private final Object lock = new Object();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final RangeClaims claims;
    /** Slots of the current job that have run. */
    private final AtomicInteger done = new AtomicInteger();
    // The current job; written by the caller before it publishes the generation.
    private RangeBody body;
    private int n;
    private int slots;
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
        this.claims = new RangeClaims(threads);
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
        slots = Math.min(size, RangeClaims.MAX_SLOTS);
        done.set(0);
        int g = generation + 1;
        claims.start(g, slots);
        generation = g; // publishes the fields above
        for (Worker w : workers) {
            w.wake();
        }
        runPieces(g, 0);
        awaitPieces();
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
     * Claims and runs pieces of generation {@code g} as thread {@code self} until none is left. A claim succeeds
     * only while {@code g} is current, and the caller cannot move on while a claimed piece runs, so the fields read
     * here belong to {@code g} whenever a piece is run. The slots run are counted once, at the end, so the threads
     * share no cache line per piece.
     */
    private void runPieces(int g, int self) {
        RangeBody b = body;
        long size = n;
        int count = slots;
        int ran = 0;
        for (long piece = claims.claim(g, self); piece != RangeClaims.NONE; piece = claims.claim(g, self)) {
            int from = RangeClaims.from(piece);
            int to = RangeClaims.to(piece);
            try {
                b.run((int) (size * from / count), (int) (size * to / count));
            } catch (Throwable t) {
                if (!failure.compareAndSet(null, t)) {
                    failure.get().addSuppressed(t);
                }
            }
            ran += to - from;
        }
        if (ran > 0 && done.addAndGet(ran) == count) {
            Thread caller = waitingCaller;
            if (caller != null) {
                LockSupport.unpark(caller);
            }
        }
    }

    private void awaitPieces() {
        long deadline = System.nanoTime() + SPIN_NANOS;
        while (done.get() != slots) {
            if (System.nanoTime() < deadline) {
                Thread.onSpinWait();
            } else {
                // Publish before re-checking: the last piece's thread counts it, then reads waitingCaller.
                waitingCaller = Thread.currentThread();
                if (done.get() != slots) {
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

        /** This thread's part of each job: the caller's is 0. */
        private final int index;
        private volatile boolean parked;

        Worker(int index) {
            super("specula-compute-" + index);
            this.index = index;
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
                runPieces(g, index);
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
