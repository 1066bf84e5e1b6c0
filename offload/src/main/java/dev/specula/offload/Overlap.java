package dev.specula.offload;

import java.util.concurrent.locks.LockSupport;

/**
 * One daemon thread that runs a task while its caller does other work, so a layer's flash reads
 * overlap the compute of the neurons it already holds. One task at a time; the caller starts it,
 * works, then awaits it, and a failure in the task is thrown from {@link #await()}. Nothing is
 * allocated per task.
 */
final class Overlap implements AutoCloseable {
    private final Thread thread;
    private volatile Runnable task;
    private volatile boolean done = true;
    private volatile Throwable failure;
    private volatile Thread waiter;
    private volatile boolean closed;

    Overlap(String name) {
        thread = Thread.ofPlatform().daemon().name(name).start(this::loop);
    }

    /** Runs {@code r} on the background thread; the previous task must have been awaited. */
    void start(Runnable r) {
        if (!done || closed) {
            throw new IllegalStateException(closed ? "closed" : "the previous task was not awaited");
        }
        failure = null;
        done = false;
        task = r;
        LockSupport.unpark(thread);
    }

    /** Waits for the task started last; rethrows what it threw. */
    void await() {
        // Written before done is read, and the task writes done before reading waiter: one of the two sees the other.
        waiter = Thread.currentThread();
        while (!done) {
            LockSupport.park(this);
        }
        Throwable f = failure;
        if (f instanceof RuntimeException e) {
            throw e;
        }
        if (f instanceof Error e) {
            throw e;
        }
    }

    private void loop() {
        while (!closed) {
            Runnable r = task;
            if (r == null) {
                LockSupport.park(this);
                continue;
            }
            task = null;
            try {
                r.run();
            } catch (Throwable t) {
                failure = t;
            }
            done = true;
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
