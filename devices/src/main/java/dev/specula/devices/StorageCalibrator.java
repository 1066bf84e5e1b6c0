package dev.specula.devices;

import com.sun.nio.file.ExtendedOpenOption;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures the storage that holds a directory and describes it as a {@link DeviceProfile}.
 *
 * <p>It writes a test file (default 256 MiB of pseudo-random bytes, so compressing or
 * deduplicating controllers cannot cheat) with O_DIRECT ({@link ExtendedOpenOption#DIRECT}),
 * then, reading with O_DIRECT from buffers aligned to the block size:
 * <ol>
 *   <li>sequential reads, one at a time, for each chunk size (default 4 KiB to 4 MiB), for at most
 *       {@link Options#stepTime()} or one pass over the file each;</li>
 *   <li>random reads of {@link Options#randomChunkBytes()} at block-aligned offsets with 1, 4 and
 *       16 threads (queue depths), for {@link Options#stepTime()} each: IOPS and mean latency.</li>
 * </ol>
 * Measurements are then made consistent with the profile's rules, as an "achievable envelope":
 * a bigger chunk or a deeper queue is never credited with less than a smaller one (one can
 * always split a read or leave a thread idle), and bandwidth / IOPS never grow faster than the
 * chunk / queue depth. {@link Result#notes()} says when that changed a value by more than 2%.
 *
 * <p>Where the file system refuses O_DIRECT (tmpfs before Linux 6.6, some FUSE and network
 * file systems), calibration fails with an {@link IOException} naming the directory, unless
 * {@link Options#allowPageCache()} is set: then it reads through the page cache, the numbers
 * measure memory rather than storage, and both {@link Result#directIo()} and the profile's
 * {@code source} say so. A directory on tmpfs/ramfs is measured but flagged the same way,
 * since O_DIRECT there still reads memory.
 */
public final class StorageCalibrator {

    /**
     * What to measure.
     *
     * @param fileBytes size of the test file; rounded down to a multiple of the largest chunk
     * @param chunkSizes sequential chunk sizes, multiples of the block size
     * @param queueDepths random-read queue depths (threads); must include 1
     * @param randomChunkBytes size of each random read
     * @param stepTime time limit of each measurement
     * @param allowPageCache measure through the page cache where O_DIRECT is refused
     * @param profileName the name of the resulting profile
     */
    public record Options(long fileBytes, List<Long> chunkSizes, List<Integer> queueDepths, long randomChunkBytes,
                          Duration stepTime, boolean allowPageCache, String profileName) {
        public Options {
            chunkSizes = List.copyOf(chunkSizes).stream().sorted().distinct().toList();
            queueDepths = List.copyOf(queueDepths).stream().sorted().distinct().toList();
            Objects.requireNonNull(stepTime, "stepTime");
            Objects.requireNonNull(profileName, "profileName");
            if (chunkSizes.isEmpty() || chunkSizes.getFirst() <= 0) {
                throw new IllegalArgumentException("chunk sizes must be positive and not empty: " + chunkSizes);
            }
            if (queueDepths.isEmpty() || queueDepths.getFirst() != 1) {
                throw new IllegalArgumentException("queue depths must include 1: " + queueDepths);
            }
            if (randomChunkBytes <= 0) {
                throw new IllegalArgumentException("random chunk must be positive");
            }
            if (fileBytes < chunkSizes.getLast() || fileBytes < randomChunkBytes) {
                throw new IllegalArgumentException("test file (" + ByteSize.format(fileBytes)
                        + ") must be at least as large as the largest chunk (" + ByteSize.format(chunkSizes.getLast()) + ")");
            }
            if (stepTime.isNegative() || stepTime.isZero()) {
                throw new IllegalArgumentException("step time must be positive");
            }
        }

        /** 256 MiB file, chunks 4 KiB to 4 MiB (powers of two), queue depths 1, 4, 16, 4 KiB random reads, 1 s per step. */
        public static Options defaults() {
            List<Long> chunks = new ArrayList<>();
            for (long c = 4 * ByteSize.KiB; c <= 4 * ByteSize.MiB; c *= 2) {
                chunks.add(c);
            }
            return new Options(256 * ByteSize.MiB, chunks, List.of(1, 4, 16), 4 * ByteSize.KiB,
                    Duration.ofSeconds(1), false, "this-machine");
        }

        public Options withFileBytes(long bytes) {
            return new Options(bytes, chunkSizes, queueDepths, randomChunkBytes, stepTime, allowPageCache, profileName);
        }

        public Options withChunkSizes(List<Long> sizes) {
            return new Options(fileBytes, sizes, queueDepths, randomChunkBytes, stepTime, allowPageCache, profileName);
        }

        public Options withQueueDepths(List<Integer> depths) {
            return new Options(fileBytes, chunkSizes, depths, randomChunkBytes, stepTime, allowPageCache, profileName);
        }

        public Options withStepTime(Duration time) {
            return new Options(fileBytes, chunkSizes, queueDepths, randomChunkBytes, time, allowPageCache, profileName);
        }

        public Options withAllowPageCache(boolean allow) {
            return new Options(fileBytes, chunkSizes, queueDepths, randomChunkBytes, stepTime, allow, profileName);
        }

        public Options withProfileName(String name) {
            return new Options(fileBytes, chunkSizes, queueDepths, randomChunkBytes, stepTime, allowPageCache, name);
        }
    }

    /**
     * The outcome of a calibration.
     *
     * @param profile the measured profile ("this machine")
     * @param directIo whether reads bypassed the page cache (false: the numbers include it)
     * @param fileSystemType the type of the file system measured (e.g. ext4, tmpfs)
     * @param fileBytes the size of the test file actually used
     * @param raw the measurements before they were made consistent
     * @param notes remarks for the user (page cache, tmpfs, adjusted values)
     * @param elapsed how long the calibration took
     */
    public record Result(DeviceProfile profile, boolean directIo, String fileSystemType, long fileBytes,
                         Raw raw, List<String> notes, Duration elapsed) {
        public Result {
            notes = List.copyOf(notes);
        }

        /** Comment lines for {@link ProfileWriter}: how and where it was measured, and the notes. */
        public List<String> comments() {
            List<String> c = new ArrayList<>();
            c.add("Measured by Specula's storage calibrator (" + Instant.now().truncatedTo(ChronoUnit.SECONDS) + ").");
            c.add("Test file " + ByteSize.format(fileBytes) + " on a " + fileSystemType + " file system, reads "
                    + (directIo ? "with O_DIRECT (page cache bypassed)" : "THROUGH THE PAGE CACHE (O_DIRECT refused)")
                    + ", took " + elapsed.toMillis() + " ms.");
            c.add("memory.unified is not probed here (GPU presence belongs to the gpu module): set it by hand.");
            for (String n : notes) {
                c.add("Note: " + n);
            }
            return c;
        }
    }

    /** Measured values before the consistency envelope: sequential bytes/s and random points as measured. */
    public record Raw(List<DeviceProfile.SeqPoint> sequential, List<DeviceProfile.RandPoint> random) {
    }

    private StorageCalibrator() {
    }

    /** Calibrates with {@link Options#defaults()}. */
    public static Result calibrate(Path directory, CalibrationListener listener) throws IOException {
        return calibrate(directory, Options.defaults(), listener);
    }

    /**
     * Measures the storage holding {@code directory} (which must exist and be writable).
     * The test file is deleted afterwards.
     *
     * @throws IOException when the directory cannot be written, or O_DIRECT is refused and
     *     {@link Options#allowPageCache()} is false
     */
    public static Result calibrate(Path directory, Options options, CalibrationListener listener) throws IOException {
        Objects.requireNonNull(listener, "listener");
        if (!Files.isDirectory(directory)) {
            throw new IOException("not a directory: " + directory.toAbsolutePath());
        }
        long started = System.nanoTime();
        FileStore store = Files.getFileStore(directory);
        String fsType = store.type();
        long block = 4096;
        try {
            block = Math.max(block, store.getBlockSize());
        } catch (UnsupportedOperationException | IOException e) {
            // keep 4096
        }
        if (Long.bitCount(block) != 1) {
            block = 4096;
        }
        for (long c : options.chunkSizes()) {
            if (c % block != 0) {
                throw new IllegalArgumentException("chunk size " + ByteSize.format(c) + " is not a multiple of the block size "
                        + block + " of " + directory.toAbsolutePath());
            }
        }
        if (options.randomChunkBytes() % block != 0) {
            throw new IllegalArgumentException("random chunk " + ByteSize.format(options.randomChunkBytes())
                    + " is not a multiple of the block size " + block);
        }
        long fileBytes = options.fileBytes() - options.fileBytes() % options.chunkSizes().getLast();
        List<String> notes = new ArrayList<>();
        Progress progress = new Progress(listener);
        Path file = directory.resolve("specula-calibration-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".tmp");
        try {
            boolean direct = writeTestFile(file, fileBytes, block, options, progress, directory, fsType);
            if (!direct) {
                notes.add("O_DIRECT is not supported by the " + fsType + " file system holding "
                        + directory.toAbsolutePath() + ": reads went through the page cache, so these numbers"
                        + " measure memory, not storage");
            } else if (Set.of("tmpfs", "ramfs", "devtmpfs").contains(fsType)) {
                notes.add(directory.toAbsolutePath() + " is on " + fsType
                        + ": even with O_DIRECT the numbers measure memory, not storage");
            }
            Set<OpenOption> readOptions = direct
                    ? Set.of(StandardOpenOption.READ, ExtendedOpenOption.DIRECT)
                    : Set.of(StandardOpenOption.READ);
            List<DeviceProfile.SeqPoint> seq = new ArrayList<>();
            List<DeviceProfile.RandPoint> rand = new ArrayList<>();
            try (FileChannel ch = FileChannel.open(file, readOptions)) {
                int index = 0;
                for (long chunk : options.chunkSizes()) {
                    seq.add(measureSequential(ch, fileBytes, chunk, block, index++, options, progress));
                }
                for (int qd : options.queueDepths()) {
                    rand.add(measureRandom(ch, fileBytes, options.randomChunkBytes(), block, qd, options, progress));
                }
            }
            Raw raw = new Raw(List.copyOf(seq), List.copyOf(rand));
            List<DeviceProfile.SeqPoint> seqEnvelope = sequentialEnvelope(seq, notes);
            List<DeviceProfile.RandPoint> randEnvelope = randomEnvelope(rand, notes);
            HostMemory memory = HostMemory.read();
            String host = hostName();
            String where = directory.toAbsolutePath().normalize().toString();
            DeviceProfile profile = new DeviceProfile(
                    options.profileName(),
                    "Calibrated storage of " + host + " under " + where,
                    "measured by Specula StorageCalibrator on " + Instant.now().truncatedTo(ChronoUnit.SECONDS)
                            + ", " + ByteSize.format(fileBytes) + " test file, "
                            + (direct ? "O_DIRECT" : "page cache included (O_DIRECT refused)")
                            + (memory.fromProc() ? "" : "; DRAM from the JVM (no /proc)"),
                    store.name() + " (" + fsType + ")",
                    memory.totalBytes(),
                    new MemoryBudget.Fraction(0.5),
                    false,
                    block,
                    options.randomChunkBytes(),
                    seqEnvelope,
                    randEnvelope);
            progress.report("done", 1.0);
            return new Result(profile, direct, fsType, fileBytes, raw, notes,
                    Duration.ofNanos(System.nanoTime() - started));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    // ---------------------------------------------------------------- measurement

    /** Writes the test file; returns whether O_DIRECT was used. */
    private static boolean writeTestFile(Path file, long fileBytes, long block, Options options, Progress progress,
                                         Path directory, String fsType) throws IOException {
        progress.stage("write test file", 0, Progress.WRITE_SHARE);
        try {
            writeFile(file, fileBytes, block, true, progress);
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            Files.deleteIfExists(file);
            if (!options.allowPageCache()) {
                throw new IOException("O_DIRECT is not supported by the " + fsType + " file system holding "
                        + directory.toAbsolutePath() + " (" + e.getMessage() + "): calibrate a directory on the storage "
                        + "you want to measure, or allow measuring through the page cache", e);
            }
            writeFile(file, fileBytes, block, false, progress);
            return false;
        }
    }

    private static void writeFile(Path file, long fileBytes, long block, boolean direct, Progress progress) throws IOException {
        Set<OpenOption> opts = direct
                ? Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)
                : Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        long bufferBytes = Math.min(fileBytes, ByteSize.MiB);
        bufferBytes -= bufferBytes % block;
        SplittableRandom random = new SplittableRandom(0x5eC0_1a7eL);
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(file, opts)) {
            ByteBuffer buf = arena.allocate(bufferBytes, block).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            long position = 0;
            while (position < fileBytes) {
                int n = (int) Math.min(bufferBytes, fileBytes - position);
                buf.clear();
                for (int i = 0; i < n; i += 8) {
                    buf.putLong(i, random.nextLong());
                }
                buf.limit(n);
                while (buf.hasRemaining()) {
                    position += ch.write(buf, position);
                }
                progress.within((double) position / fileBytes);
            }
            ch.force(true);
        }
    }

    private static DeviceProfile.SeqPoint measureSequential(FileChannel ch, long fileBytes, long chunk, long block, int index,
                                                            Options options, Progress progress) throws IOException {
        String stage = "sequential " + ByteSize.formatExact(chunk);
        progress.stage(stage, Progress.WRITE_SHARE + Progress.SEQ_SHARE * index / options.chunkSizes().size(),
                Progress.SEQ_SHARE / options.chunkSizes().size());
        long chunks = fileBytes / chunk;
        // Start each chunk size at a different place, so a drive's read cache holds nothing useful.
        long startChunk = (chunks * index / Math.max(1, options.chunkSizes().size())) % chunks;
        long stepNanos = options.stepTime().toNanos();
        try (Arena arena = Arena.ofConfined()) {
            ByteBuffer buf = arena.allocate(chunk, block).asByteBuffer();
            readFully(ch, buf, startChunk * chunk); // warm-up: not timed
            long bytes = 0;
            long t0 = System.nanoTime();
            long now = t0;
            for (long i = 1; i <= chunks; i++) {
                long position = ((startChunk + i) % chunks) * chunk;
                readFully(ch, buf, position);
                bytes += chunk;
                now = System.nanoTime();
                if (now - t0 >= stepNanos) {
                    break;
                }
                if ((i & 15) == 0) {
                    progress.within((double) (now - t0) / stepNanos);
                }
            }
            double seconds = Math.max(1e-9, (now - t0) / 1e9);
            return new DeviceProfile.SeqPoint(chunk, bytes / seconds);
        }
    }

    private static DeviceProfile.RandPoint measureRandom(FileChannel ch, long fileBytes, long chunk, long block, int qd,
                                                         Options options, Progress progress) throws IOException {
        String stage = "random " + ByteSize.formatExact(chunk) + " qd" + qd;
        int index = options.queueDepths().indexOf(qd);
        int steps = options.queueDepths().size();
        progress.stage(stage, Progress.WRITE_SHARE + Progress.SEQ_SHARE + Progress.RAND_SHARE * index / steps,
                Progress.RAND_SHARE / steps);
        long slots = (fileBytes - chunk) / block + 1;
        long stepNanos = options.stepTime().toNanos();
        AtomicLong ops = new AtomicLong();
        AtomicLong latencyNanos = new AtomicLong();
        AtomicLong lastEnd = new AtomicLong();
        CountDownLatch ready = new CountDownLatch(qd);
        CountDownLatch go = new CountDownLatch(1);
        IOException[] failure = new IOException[1];
        long[] start = new long[1];
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < qd; t++) {
            long seed = 0x9E3779B97F4A7C15L * (t + 1) + qd;
            threads.add(Thread.ofPlatform().name("specula-calibrate-" + t).daemon().start(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                try (Arena arena = Arena.ofConfined()) {
                    ByteBuffer buf = arena.allocate(chunk, block).asByteBuffer();
                    ready.countDown();
                    go.await();
                    long deadline = start[0] + stepNanos;
                    long myOps = 0;
                    long myLatency = 0;
                    long end;
                    do {
                        long position = random.nextLong(slots) * block;
                        long t0 = System.nanoTime();
                        readFully(ch, buf, position);
                        end = System.nanoTime();
                        myLatency += end - t0;
                        myOps++;
                    } while (end < deadline);
                    ops.addAndGet(myOps);
                    latencyNanos.addAndGet(myLatency);
                    lastEnd.accumulateAndGet(end, Math::max);
                } catch (IOException e) {
                    synchronized (failure) {
                        failure[0] = e;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        try {
            ready.await();
            start[0] = System.nanoTime();
            go.countDown();
            for (Thread thread : threads) {
                while (thread.isAlive()) {
                    thread.join(50);
                    progress.within((double) (System.nanoTime() - start[0]) / stepNanos);
                }
            }
        } catch (InterruptedException e) {
            threads.forEach(Thread::interrupt);
            Thread.currentThread().interrupt();
            throw new IOException("calibration interrupted", e);
        }
        synchronized (failure) {
            if (failure[0] != null) {
                throw failure[0];
            }
        }
        long n = Math.max(1, ops.get());
        double seconds = Math.max(1e-9, (lastEnd.get() - start[0]) / 1e9);
        return new DeviceProfile.RandPoint(qd, n / seconds, latencyNanos.get() / 1e3 / n);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        buf.clear();
        while (buf.hasRemaining()) {
            int n = ch.read(buf, position + buf.position());
            if (n < 0) {
                throw new IOException("unexpected end of the test file at " + (position + buf.position()));
            }
        }
    }

    // ---------------------------------------------------------------- consistency

    /** Rounds to 4 significant digits, then makes bandwidth non-decreasing and growing no faster than the chunk. */
    static List<DeviceProfile.SeqPoint> sequentialEnvelope(List<DeviceProfile.SeqPoint> measured, List<String> notes) {
        List<DeviceProfile.SeqPoint> out = new ArrayList<>();
        for (DeviceProfile.SeqPoint p : DeviceProfile.sortedSeq(measured)) {
            double bw = round4(p.bytesPerSecond());
            if (!out.isEmpty()) {
                DeviceProfile.SeqPoint prev = out.getLast();
                bw = Math.max(bw, prev.bytesPerSecond());
                bw = Math.min(bw, prev.bytesPerSecond() * p.chunkBytes() / prev.chunkBytes());
            }
            if (Math.abs(bw / p.bytesPerSecond() - 1) > 0.02) {
                notes.add(String.format(Locale.ROOT, "sequential %s: measured %.1f MB/s, recorded %.1f MB/s to keep the table monotone",
                        ByteSize.formatExact(p.chunkBytes()), p.bytesPerSecond() / 1e6, bw / 1e6));
            }
            out.add(new DeviceProfile.SeqPoint(p.chunkBytes(), bw));
        }
        return out;
    }

    /** Rounds to 4 significant digits, then makes IOPS non-decreasing and growing no faster than the queue depth. */
    static List<DeviceProfile.RandPoint> randomEnvelope(List<DeviceProfile.RandPoint> measured, List<String> notes) {
        List<DeviceProfile.RandPoint> out = new ArrayList<>();
        for (DeviceProfile.RandPoint p : DeviceProfile.sortedRand(measured)) {
            double iops = round4(p.iops());
            if (!out.isEmpty()) {
                DeviceProfile.RandPoint prev = out.getLast();
                iops = Math.max(iops, prev.iops());
                iops = Math.min(iops, prev.iops() * p.queueDepth() / prev.queueDepth());
            }
            if (Math.abs(iops / p.iops() - 1) > 0.02) {
                notes.add(String.format(Locale.ROOT, "random qd%d: measured %.0f IOPS, recorded %.0f IOPS to keep the table monotone",
                        p.queueDepth(), p.iops(), iops));
            }
            out.add(new DeviceProfile.RandPoint(p.queueDepth(), iops, round4(p.latencyMicros())));
        }
        return out;
    }

    static double round4(double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            return v;
        }
        return new java.math.BigDecimal(v).round(new java.math.MathContext(4)).doubleValue();
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "this machine";
        }
    }

    /** Maps stage progress to overall progress for the listener. */
    private static final class Progress {
        static final double WRITE_SHARE = 0.2;
        static final double SEQ_SHARE = 0.5;
        static final double RAND_SHARE = 0.3;

        final CalibrationListener listener;
        String stage = "";
        double base;
        double share;
        double last = -1;

        Progress(CalibrationListener listener) {
            this.listener = listener;
        }

        void stage(String name, double base, double share) {
            this.stage = name;
            this.base = base;
            this.share = share;
            report(name, base);
        }

        void within(double fraction) {
            report(stage, base + share * Math.clamp(fraction, 0.0, 1.0));
        }

        void report(String name, double fraction) {
            double f = Math.max(last, Math.clamp(fraction, 0.0, 1.0));
            last = f;
            listener.progress(name, f);
        }
    }
}
