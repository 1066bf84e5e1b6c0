package dev.specula.devices;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An immutable description of a device that runs a model: its memory and a model of its storage.
 *
 * <h2>Storage model</h2>
 * Two tables describe the storage, both for reads that bypass the page cache (O_DIRECT):
 * <ul>
 *   <li>{@link #sequential()}: throughput {@code B(c)} of reads of {@code c} bytes issued one at a
 *       time (queue depth 1). Between table points {@code log B} is interpolated linearly in
 *       {@code log c}; outside the table {@code B} is clamped to the first / last value.
 *       {@code Bmax} is the largest entry (the table is non-decreasing).</li>
 *   <li>{@link #random()}: random reads of {@link #randomChunkBytes()} bytes with {@code q}
 *       requests in flight: IOPS and mean latency. The queue-depth speed-up is
 *       {@code s(q) = iops(q) / iops(1)}, interpolated the same way in {@code log q} and clamped
 *       at the deepest measured queue. Validation keeps {@code 1 <= s(q) <= q}.</li>
 * </ul>
 * The time of one request of {@code c} bytes at an arbitrary offset, alone in the queue, combines
 * the latency to first byte with the transfer ({@link #requestSeconds}):
 * <pre>
 *   t1(c) = max( c / B(c),  L1 + (c - r) / R )
 * </pre>
 * where {@code L1} is the queue-depth-1 random-read latency, {@code r} the random-read chunk and
 * {@code R} the transfer rate once the first byte has arrived ({@link #transferRate()}: the largest
 * table entry with one {@code L1} taken out of its request time). The first term is what sequential reads
 * of that size achieve; the second keeps small reads at random offsets from looking cheaper than
 * the measured random latency ("LLM in a Flash", Alizadeh et al. 2023, section 2.2: small reads
 * pay the latency to first byte, so throughput grows with chunk size).
 *
 * <p>Reading {@code bytes} as chunks of {@code c} with up to {@code p} requests in flight
 * ({@link #readSeconds}): with {@code b} = bytes rounded up to the block size,
 * <pre>
 *   if b &lt;= c:  T = t1(b)                                   (a single request)
 *   else:       n = b / c   (real number of chunks)
 *               q = min(p, n)                               (requests actually in flight)
 *               X = min( s(q) * c / t1(c),  Bmax )          (aggregate throughput)
 *               T = b / X
 * </pre>
 * The model is continuous and non-decreasing in {@code bytes}, non-increasing in
 * {@code parallelism}, and at {@code bytes == c} both branches agree. It ignores request
 * alignment beyond the block size, CPU cost and thermal throttling.
 */
public record DeviceProfile(
        String name,
        String description,
        String source,
        String storage,
        long dramBytes,
        MemoryBudget defaultBudget,
        boolean unifiedMemory,
        long blockBytes,
        long randomChunkBytes,
        List<SeqPoint> sequential,
        List<RandPoint> random) {

    /** Profile names: lower-case letters, digits, '.', '_' and '-', starting with a letter or digit. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");

    /** Fraction of the peak that {@link #bestChunkBytes()} and {@link #bestQueueDepth()} aim for. */
    public static final double GOOD_ENOUGH = 0.9;

    /** Sequential (queue depth 1) read throughput at one chunk size. */
    public record SeqPoint(long chunkBytes, double bytesPerSecond) {
        public SeqPoint {
            if (chunkBytes <= 0) {
                throw new IllegalArgumentException("chunk size must be positive, got " + chunkBytes);
            }
            if (!(bytesPerSecond > 0) || Double.isInfinite(bytesPerSecond)) {
                throw new IllegalArgumentException("bandwidth must be positive, got " + bytesPerSecond);
            }
        }

        /** Seconds one request of this size takes at queue depth 1. */
        public double requestSeconds() {
            return chunkBytes / bytesPerSecond;
        }
    }

    /** Random reads at one queue depth: operations per second and mean latency per operation. */
    public record RandPoint(int queueDepth, double iops, double latencyMicros) {
        public RandPoint {
            if (queueDepth < 1) {
                throw new IllegalArgumentException("queue depth must be at least 1, got " + queueDepth);
            }
            if (!(iops > 0) || Double.isInfinite(iops)) {
                throw new IllegalArgumentException("IOPS must be positive, got " + iops);
            }
            if (!(latencyMicros > 0) || Double.isInfinite(latencyMicros)) {
                throw new IllegalArgumentException("latency must be positive, got " + latencyMicros);
            }
        }
    }

    public DeviceProfile {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("profile name '" + name + "' must match " + NAME.pattern());
        }
        description = description == null ? "" : description;
        source = source == null ? "" : source;
        storage = storage == null ? "" : storage;
        Objects.requireNonNull(defaultBudget, "defaultBudget");
        if (dramBytes <= 0) {
            throw new IllegalArgumentException("DRAM must be positive, got " + dramBytes);
        }
        defaultBudget.resolve(dramBytes); // an absolute budget larger than DRAM is an error
        if (blockBytes <= 0 || Long.bitCount(blockBytes) != 1) {
            throw new IllegalArgumentException("block size must be a power of two, got " + blockBytes);
        }
        if (randomChunkBytes <= 0) {
            throw new IllegalArgumentException("random-read chunk must be positive, got " + randomChunkBytes);
        }
        sequential = List.copyOf(sequential);
        random = List.copyOf(random);
        String problem = checkSequential(sequential);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        problem = checkRandom(random);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /**
     * Why a sequential table is not usable, or null if it is. It must be non-empty, sorted by
     * strictly increasing chunk size, with non-decreasing bandwidth, and the time per request must
     * not decrease (bandwidth may grow at most as fast as the chunk: a bigger read is never
     * quicker than a smaller one).
     */
    static String checkSequential(List<SeqPoint> points) {
        if (points.isEmpty()) {
            return "the sequential table is empty: give at least one seq.<chunk> entry";
        }
        for (int i = 1; i < points.size(); i++) {
            SeqPoint a = points.get(i - 1);
            SeqPoint b = points.get(i);
            String problem = checkSequentialPair(a, b);
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    static String checkSequentialPair(SeqPoint a, SeqPoint b) {
        if (b.chunkBytes() <= a.chunkBytes()) {
            return "chunk sizes must increase: " + ByteSize.formatExact(b.chunkBytes()) + " after "
                    + ByteSize.formatExact(a.chunkBytes());
        }
        if (b.bytesPerSecond() < a.bytesPerSecond()) {
            return "bandwidth must not decrease with chunk size: " + mbps(b.bytesPerSecond()) + " at "
                    + ByteSize.formatExact(b.chunkBytes()) + " < " + mbps(a.bytesPerSecond()) + " at "
                    + ByteSize.formatExact(a.chunkBytes());
        }
        if (b.requestSeconds() < a.requestSeconds() * (1 - 1e-9)) {
            return "bandwidth grows faster than the chunk size between " + ByteSize.formatExact(a.chunkBytes())
                    + " and " + ByteSize.formatExact(b.chunkBytes()) + " (a " + ByteSize.formatExact(b.chunkBytes())
                    + " read would finish before a " + ByteSize.formatExact(a.chunkBytes()) + " one)";
        }
        return null;
    }

    /**
     * Why a random-read table is not usable, or null if it is: it must start at queue depth 1,
     * queue depths must increase strictly, IOPS must not decrease, and IOPS may grow at most as
     * fast as the queue depth.
     */
    static String checkRandom(List<RandPoint> points) {
        if (points.isEmpty() || points.getFirst().queueDepth() != 1) {
            return "the random-read table must have an entry for queue depth 1 (rand.qd1)";
        }
        for (int i = 1; i < points.size(); i++) {
            String problem = checkRandomPair(points.get(i - 1), points.get(i));
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    static String checkRandomPair(RandPoint a, RandPoint b) {
        if (b.queueDepth() <= a.queueDepth()) {
            return "queue depths must increase: qd" + b.queueDepth() + " after qd" + a.queueDepth();
        }
        if (b.iops() < a.iops()) {
            return "IOPS must not decrease with queue depth: " + b.iops() + " at qd" + b.queueDepth() + " < "
                    + a.iops() + " at qd" + a.queueDepth();
        }
        if (b.iops() / b.queueDepth() > a.iops() / a.queueDepth() * (1 + 1e-9)) {
            return "IOPS grow faster than the queue depth between qd" + a.queueDepth() + " and qd" + b.queueDepth()
                    + " (" + a.iops() + " -> " + b.iops() + ")";
        }
        return null;
    }

    private static String mbps(double bytesPerSecond) {
        return String.format(java.util.Locale.ROOT, "%.1f MB/s", bytesPerSecond / 1e6);
    }

    // ---------------------------------------------------------------- the model

    /** Sequential queue-depth-1 throughput {@code B(c)} in bytes/s, interpolated log-linearly, clamped. */
    public double sequentialBandwidth(long chunkBytes) {
        requirePositive(chunkBytes, "chunk size");
        List<SeqPoint> t = sequential;
        if (chunkBytes <= t.getFirst().chunkBytes()) {
            return t.getFirst().bytesPerSecond();
        }
        if (chunkBytes >= t.getLast().chunkBytes()) {
            return t.getLast().bytesPerSecond();
        }
        for (int i = 1; i < t.size(); i++) {
            SeqPoint b = t.get(i);
            if (chunkBytes <= b.chunkBytes()) {
                SeqPoint a = t.get(i - 1);
                return logInterpolate(a.chunkBytes(), a.bytesPerSecond(), b.chunkBytes(), b.bytesPerSecond(), chunkBytes);
            }
        }
        throw new AssertionError();
    }

    /** The largest sequential throughput {@code Bmax}, bytes/s. */
    public double peakBandwidth() {
        return sequential.getLast().bytesPerSecond();
    }

    /** Random-read IOPS at queue depth {@code q} (real, at least 1), interpolated log-linearly, clamped. */
    public double iops(double queueDepth) {
        if (!(queueDepth >= 1)) {
            throw new IllegalArgumentException("queue depth must be at least 1, got " + queueDepth);
        }
        List<RandPoint> t = random;
        if (queueDepth >= t.getLast().queueDepth()) {
            return t.getLast().iops();
        }
        for (int i = 1; i < t.size(); i++) {
            RandPoint b = t.get(i);
            if (queueDepth <= b.queueDepth()) {
                RandPoint a = t.get(i - 1);
                return logInterpolate(a.queueDepth(), a.iops(), b.queueDepth(), b.iops(), queueDepth);
            }
        }
        return t.getFirst().iops(); // single-entry table
    }

    /** Mean random-read latency at queue depth {@code q} in microseconds, interpolated log-linearly, clamped. */
    public double latencyMicros(double queueDepth) {
        if (!(queueDepth >= 1)) {
            throw new IllegalArgumentException("queue depth must be at least 1, got " + queueDepth);
        }
        List<RandPoint> t = random;
        if (queueDepth >= t.getLast().queueDepth()) {
            return t.getLast().latencyMicros();
        }
        for (int i = 1; i < t.size(); i++) {
            RandPoint b = t.get(i);
            if (queueDepth <= b.queueDepth()) {
                RandPoint a = t.get(i - 1);
                return logInterpolate(a.queueDepth(), a.latencyMicros(), b.queueDepth(), b.latencyMicros(), queueDepth);
            }
        }
        return t.getFirst().latencyMicros();
    }

    /** Queue-depth speed-up {@code s(q) = iops(q) / iops(1)}, between 1 and {@code q}. */
    public double speedup(double queueDepth) {
        return Math.min(queueDepth, iops(queueDepth) / random.getFirst().iops());
    }

    /**
     * {@code R}: bytes/s once a request's first byte has arrived. From the largest sequential
     * entry {@code (cmax, Bmax)}: {@code R = cmax / (cmax / Bmax - L1)}, when that request takes at
     * least twice {@code L1} (the table reaches the transfer-bound regime); otherwise {@code Bmax}.
     */
    public double transferRate() {
        SeqPoint last = sequential.getLast();
        double latency = random.getFirst().latencyMicros() * 1e-6;
        double t = last.requestSeconds();
        return t >= 2 * latency ? last.chunkBytes() / (t - latency) : last.bytesPerSecond();
    }

    /** {@code t1(c)}: seconds for one request of {@code chunkBytes} at a random offset, alone in the queue. */
    public double requestSeconds(long chunkBytes) {
        requirePositive(chunkBytes, "chunk size");
        double transfer = chunkBytes / sequentialBandwidth(chunkBytes);
        double latency = random.getFirst().latencyMicros() * 1e-6
                + (double) (chunkBytes - randomChunkBytes) / transferRate();
        return Math.max(transfer, latency);
    }

    /** Aggregate throughput {@code X} in bytes/s for chunks of {@code chunkBytes} with {@code queueDepth} in flight. */
    public double throughput(long chunkBytes, double queueDepth) {
        double perStream = chunkBytes / requestSeconds(chunkBytes);
        return Math.min(speedup(queueDepth) * perStream, peakBandwidth());
    }

    /**
     * Modeled seconds to read {@code bytes} as chunks of {@code chunkBytes}, at most
     * {@code parallelism} requests in flight (see the class comment for the formula).
     */
    public double readSeconds(long bytes, long chunkBytes, int parallelism) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must not be negative, got " + bytes);
        }
        requirePositive(chunkBytes, "chunk size");
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
        }
        if (bytes == 0) {
            return 0;
        }
        long b = roundUp(bytes, blockBytes);
        if (b <= chunkBytes) {
            return requestSeconds(b);
        }
        double n = (double) b / chunkBytes;
        double q = Math.min(parallelism, n);
        return b / throughput(chunkBytes, q);
    }

    /**
     * The smallest chunk, a power-of-two multiple of the block size, whose sequential throughput
     * reaches {@link #GOOD_ENOUGH} of the peak (never beyond the largest chunk in the table).
     */
    public long bestChunkBytes() {
        double target = GOOD_ENOUGH * peakBandwidth();
        long largest = sequential.getLast().chunkBytes();
        long c = blockBytes;
        while (c < largest && sequentialBandwidth(c) < target) {
            c *= 2;
        }
        return c;
    }

    /** The smallest queue depth whose random-read IOPS reach {@link #GOOD_ENOUGH} of the deepest measured one. */
    public int bestQueueDepth() {
        double target = GOOD_ENOUGH * random.getLast().iops();
        int last = random.getLast().queueDepth();
        for (int q = 1; q < last; q++) {
            if (iops(q) >= target) {
                return q;
            }
        }
        return last;
    }

    /** The default memory budget resolved against this profile's DRAM. */
    public long defaultBudgetBytes() {
        return defaultBudget.resolve(dramBytes);
    }

    /** A copy that says whether a GPU shares this device's DRAM. */
    public DeviceProfile withUnifiedMemory(boolean unified) {
        return new DeviceProfile(name, description, source, storage, dramBytes, defaultBudget, unified,
                blockBytes, randomChunkBytes, sequential, random);
    }

    /** A copy under another name. */
    public DeviceProfile withName(String newName) {
        return new DeviceProfile(newName, description, source, storage, dramBytes, defaultBudget, unifiedMemory,
                blockBytes, randomChunkBytes, sequential, random);
    }

    // ---------------------------------------------------------------- helpers

    static double logInterpolate(double x0, double y0, double x1, double y1, double x) {
        double t = Math.log(x / x0) / Math.log(x1 / x0);
        return Math.exp(Math.log(y0) + t * (Math.log(y1) - Math.log(y0)));
    }

    static long roundUp(long value, long multiple) {
        long r = value % multiple;
        return r == 0 ? value : Math.addExact(value, multiple - r);
    }

    private static void requirePositive(long value, String what) {
        if (value <= 0) {
            throw new IllegalArgumentException(what + " must be positive, got " + value);
        }
    }

    /** Sorted copies, for builders that collect points in any order. */
    static List<SeqPoint> sortedSeq(List<SeqPoint> points) {
        List<SeqPoint> copy = new ArrayList<>(points);
        copy.sort(Comparator.comparingLong(SeqPoint::chunkBytes));
        return copy;
    }

    static List<RandPoint> sortedRand(List<RandPoint> points) {
        List<RandPoint> copy = new ArrayList<>(points);
        copy.sort(Comparator.comparingInt(RandPoint::queueDepth));
        return copy;
    }
}
