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
 * one immutable object through a volatile field; the caller runs part 0 itself and then waits
 * for the parts the workers took.
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

    private record Job(RangeBody body, int n, int parts) {

        int start(int part) {
            return (int) ((long) n * part / parts);
        }
    }

    private static final Job CLOSED = new Job((from, to) -> { }, 0, 1);

    private final int threads;
    private final Worker[] workers;
    private final Object lock = new Object();
    private final AtomicInteger pending = new AtomicInteger();
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
     * Runs {@code body} over {@code [0, n)} split into one contiguous range per thread (fewer when
     * {@code n < threads}); returns when all ranges are done. The first exception thrown by any
     * range is rethrown here, after every range has finished.
     */
    public void parallelFor(int n, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int parts = Math.min(n, threads);
        Thread current = Thread.currentThread();
        if (parts == 1 || current == owner || (current instanceof Worker w && w.pool() == this)) {
            body.run(0, n);
            return;
        }
        synchronized (lock) {
            if (job == CLOSED) {
                throw new IllegalStateException("compute pool is closed");
            }
            owner = current;
            try {
                runJob(new Job(body, n, parts));
            } finally {
                owner = null;
            }
        }
    }

    private void runJob(Job j) {
        pending.set(j.parts - 1);
        job = j;
        for (int i = 0; i < j.parts - 1; i++) {
            workers[i].wake();
        }
        Throwable own = null;
        try {
            j.body.run(0, j.start(1));
        } catch (Throwable t) {
            own = t;
        }
        awaitWorkers();
        Throwable theirs = failure.getAndSet(null);
        if (own == null) {
            own = theirs;
        } else if (theirs != null) {
            own.addSuppressed(theirs);
        }
        if (own instanceof RuntimeException e) {
            throw e;
        }
        if (own instanceof Error e) {
            throw e;
        }
        if (own != null) {
            throw new RuntimeException(own); // a checked exception thrown sneakily
        }
    }

    private void awaitWorkers() {
        long deadline = System.nanoTime() + SPIN_NANOS;
        while (pending.get() != 0) {
            if (System.nanoTime() < deadline) {
                Thread.onSpinWait();
            } else {
                // Publish before re-checking: the last worker decrements, then reads waitingCaller.
                waitingCaller = Thread.currentThread();
                if (pending.get() != 0) {
                    LockSupport.park(this);
                }
                waitingCaller = null;
            }
        }
    }

    private void partDone() {
        if (pending.decrementAndGet() == 0) {
            Thread caller = waitingCaller;
            if (caller != null) {
                LockSupport.unpark(caller);
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

        private final int part;
        private volatile boolean parked;

        Worker(int part) {
            super("specula-compute-" + part);
            this.part = part;
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
                // A worker without a part in this job is not counted in pending: it just moves on.
                if (part < j.parts) {
                    try {
                        j.body.run(j.start(part), j.start(part + 1));
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    } finally {
                        partDone();
                    }
                }
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
