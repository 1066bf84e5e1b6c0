package dev.specula.offload;

import com.sun.nio.file.ExtendedOpenOption;
import dev.specula.devices.StorageThrottle;
import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.RangeBody;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads neuron bundles from flash with O_DIRECT, so they bypass the page cache and the memory
 * they take is only what the caller keeps. Needed neurons are coalesced by {@link ReadPlan} and
 * the reads issued in parallel into one aligned staging buffer, then handed to a {@link Sink}.
 * Where the filesystem refuses O_DIRECT (tmpfs, some overlays), reads fall back to the page cache
 * with one warning.
 */
public final class BundleReader implements AutoCloseable {
    /** O_DIRECT needs buffers, offsets and lengths in multiples of the logical block size. */
    static final long ALIGN = 4096;

    /** Told where each read neuron's bundle lies; valid until the next read. */
    public interface Sink {
        void accept(int neuron, MemorySegment staging, long offset);
    }

    private final Path file;
    private final long stride;
    private final long chunkBytes;
    private final long maxGapBytes;
    private final StorageThrottle throttle;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment staging;
    private final ReadPlan plan;
    private final ComputePool io;
    private final RangeBody readRanges = this::readRanges;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong reads = new AtomicLong();
    private FileChannel channel;
    private boolean direct;
    private long nanos;

    /**
     * @param chunkBytes  largest single read (the device's best chunk)
     * @param parallelism reads in flight
     * @param throttle    paces reads to a simulated device, or null
     */
    public BundleReader(Path file, int maxNeurons, long stride, long chunkBytes, int parallelism, long stagingBytes,
                        StorageThrottle throttle) {
        this.file = file;
        this.stride = stride;
        this.chunkBytes = Math.max(chunkBytes, alignUp(stride));
        // Bridging a gap pays off while reading it costs less than another request; with many requests
        // in flight a request costs little, so bridge only short gaps (measured: chunk/8 read 3x the
        // needed bytes at 50% sparsity with a 1 MiB chunk).
        this.maxGapBytes = Math.max(ALIGN, this.chunkBytes / 64);
        this.throttle = throttle;
        this.staging = arena.allocate(Math.max(alignUp(stagingBytes), 2 * alignUp(stride) + 2 * ALIGN), ALIGN);
        this.plan = new ReadPlan(maxNeurons);
        this.io = new ComputePool(parallelism);
        this.channel = open(true);
    }

    private FileChannel open(boolean tryDirect) {
        try {
            if (tryDirect) {
                try {
                    FileChannel ch = openDirect(file);
                    direct = true;
                    return ch;
                } catch (IOException | UnsupportedOperationException e) {
                    System.err.println("[offload] warning: " + file + ": O_DIRECT refused (" + e.getMessage()
                            + "); bundle reads go through the page cache");
                }
            }
            direct = false;
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new SpeculaException(file + ": cannot open for reading: " + e.getMessage());
        }
    }

    /** {@code file} opened for O_DIRECT reads; throws where the filesystem refuses it. */
    static FileChannel openDirect(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.READ, ExtendedOpenOption.DIRECT);
    }

    public boolean direct() {
        return direct;
    }

    public long stagingBytes() {
        return staging.byteSize();
    }

    /** Reads the bundles of {@code neurons[0 .. count)} (ascending) of the layer starting at {@code base}. */
    public void read(long base, int[] neurons, int count, Sink sink) {
        for (int from = 0; from < count; ) {
            int planned = plan.plan(neurons, from, count, base, stride, ALIGN, maxGapBytes, chunkBytes, staging.byteSize());
            long start = System.nanoTime();
            try {
                io.parallelFor(plan.ranges(), readRanges);
            } catch (UnreadableDirect e) {
                channel = reopenBuffered();
                io.parallelFor(plan.ranges(), readRanges);
            }
            nanos += System.nanoTime() - start;
            for (int j = 0; j < planned; j++) {
                sink.accept(neurons[from + j], staging, plan.neuronStaging(j));
            }
            from += planned;
        }
    }

    private FileChannel reopenBuffered() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // reopened below either way
        }
        System.err.println("[offload] warning: " + file + ": O_DIRECT reads fail here; bundle reads go through the page cache");
        return open(false);
    }

    private void readRanges(int from, int to) {
        for (int r = from; r < to; r++) {
            long length = plan.rangeLength(r);
            long position = plan.rangeStart(r);
            ByteBuffer buffer = staging.asSlice(plan.rangeStaging(r), length).asByteBuffer();
            long start = System.nanoTime();
            try {
                while (buffer.hasRemaining()) {
                    if (channel.read(buffer, position + buffer.position()) < 0) {
                        break; // the last range may run into the file's final padding
                    }
                }
            } catch (IOException e) {
                if (direct && "Invalid argument".equals(e.getMessage())) {
                    throw new UnreadableDirect();
                }
                throw new SpeculaException(file + ": read of " + length + " bytes at offset " + position
                        + " failed: " + e.getMessage());
            }
            if (throttle != null) {
                throttle.awaitRead(length, chunkBytes, io.threads(), System.nanoTime() - start);
            }
            bytes.addAndGet(length);
            reads.incrementAndGet();
        }
    }

    /** Bytes read from the file so far (whole aligned ranges, gaps included). */
    public long bytesRead() {
        return bytes.get();
    }

    public long reads() {
        return reads.get();
    }

    /** Wall time spent reading. */
    public long nanos() {
        return nanos;
    }

    private static long alignUp(long v) {
        return (v + ALIGN - 1) / ALIGN * ALIGN;
    }

    @Override
    public void close() {
        io.close();
        try {
            channel.close();
        } catch (IOException e) {
            throw new SpeculaException(file + ": close failed: " + e.getMessage());
        }
        arena.close();
    }

    /** O_DIRECT opened but reads are refused: retried through the page cache. */
    private static final class UnreadableDirect extends RuntimeException {
        UnreadableDirect() {
            super(null, null, false, false);
        }
    }
}
