package dev.specula.devices;

import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * Slows reads down to the speed of a simulated device ({@code --device PROFILE}).
 *
 * <p>After each real read, the caller reports what it read and how long it really took;
 * {@link #awaitRead} then waits until the read has taken as long as
 * {@link DeviceProfile#readSeconds} says it would on the profiled device. It never speeds
 * anything up: when the real device is slower than the profile, it does not wait, and the
 * simulation is then pessimistic by the difference (see {@link Stats#fasterThanRealNanos()}).
 *
 * <p>Short waits are not slept one by one (sleeping overshoots by tens of microseconds): each
 * thread carries the time it still owes, sleeps once that reaches {@link #MIN_SLEEP_NANOS}, and
 * credits what it actually slept, overshoot included. So the total observed time tracks the model
 * to within one such quantum per thread, whatever the size of the reads. Safe for concurrent use;
 * each thread is paced on its own (a thread models a stream of requests).
 */
public final class StorageThrottle {

    /** Waits shorter than this are carried over to the next read of the same thread. */
    public static final long MIN_SLEEP_NANOS = 200_000;

    private final DeviceProfile profile;
    private final ThreadLocal<long[]> owed = ThreadLocal.withInitial(() -> new long[1]);
    private long reads;
    private long bytes;
    private long realNanos;
    private long modeledNanos;
    private long sleptNanos;
    private long fasterThanRealNanos;

    /**
     * Totals since construction or {@link #reset()}.
     *
     * @param reads calls to {@link #awaitRead}
     * @param bytes bytes read
     * @param realNanos time the real reads took
     * @param modeledNanos time the profiled device would have taken
     * @param sleptNanos time spent waiting
     * @param fasterThanRealNanos model time below the real time (the real device was slower), not made up
     */
    public record Stats(long reads, long bytes, long realNanos, long modeledNanos, long sleptNanos, long fasterThanRealNanos) {
        /** Observed time: real reads plus waits. */
        public long simulatedNanos() {
            return realNanos + sleptNanos;
        }

        /** How many times slower the simulated device is than the real reads (1 if nothing was read). */
        public double slowdown() {
            return realNanos == 0 ? (modeledNanos == 0 ? 1 : Double.POSITIVE_INFINITY) : (double) simulatedNanos() / realNanos;
        }
    }

    public StorageThrottle(DeviceProfile profile) {
        this.profile = Objects.requireNonNull(profile, "profile");
    }

    public DeviceProfile profile() {
        return profile;
    }

    /**
     * Waits so that a read of {@code bytes}, issued as chunks of {@code chunkBytes} with
     * {@code parallelism} in flight, that really took {@code actualNanos}, appears to take as long
     * as on the profiled device. Returns at once if interrupted (keeping the interrupt status).
     */
    public void awaitRead(long bytes, long chunkBytes, int parallelism, long actualNanos) {
        if (actualNanos < 0) {
            throw new IllegalArgumentException("actualNanos must not be negative, got " + actualNanos);
        }
        long modeled = Math.round(profile.readSeconds(bytes, chunkBytes, parallelism) * 1e9);
        long extra = modeled - actualNanos;
        long slept = 0;
        long[] debt = owed.get();
        if (extra > 0) {
            debt[0] += extra;
            if (debt[0] >= MIN_SLEEP_NANOS) {
                slept = sleep(debt[0]);
                debt[0] -= slept;
            }
        }
        synchronized (this) {
            reads++;
            this.bytes += bytes;
            realNanos += actualNanos;
            modeledNanos += modeled;
            sleptNanos += slept;
            if (extra < 0) {
                fasterThanRealNanos += -extra;
            }
        }
    }

    /** Sleeps about {@code nanos}; returns the time actually slept. */
    private static long sleep(long nanos) {
        long t0 = System.nanoTime();
        long deadline = t0 + nanos;
        long now = t0;
        while (now < deadline) {
            LockSupport.parkNanos(deadline - now);
            if (Thread.currentThread().isInterrupted()) {
                break;
            }
            now = System.nanoTime();
        }
        return System.nanoTime() - t0;
    }

    public synchronized Stats stats() {
        return new Stats(reads, bytes, realNanos, modeledNanos, sleptNanos, fasterThanRealNanos);
    }

    /** Clears the totals (not the time the calling threads still owe). */
    public synchronized void reset() {
        reads = bytes = realNanos = modeledNanos = sleptNanos = fasterThanRealNanos = 0;
    }
}
