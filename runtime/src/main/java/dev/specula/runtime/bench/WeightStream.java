package dev.specula.runtime.bench;

import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.RangeBody;
import dev.specula.runtime.kernel.Weights;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Reads every byte of a model's matrices once per pass, in the memory decode multiplies them from ({@link
 * Weights#storage}: the copied layouts, the mapped file's pages), matrix after matrix, each split over all of a
 * pool's threads as decode splits it, with the plainest loop that uses what it loads ({@link StreamSum}; a
 * copy in a Java array read as an array, as its kernels read it).
 * Tinyllama-1.1b Q4_0 on two threads: 16.8-18.3 ms per pass this way, 17.5-23.7 with the whole model split once
 * into runs of 1 MB (each thread then streams far from the other). A pass is what a kernel multiplying those bytes
 * with those threads can hope for at that moment, and can be timed in turn with decode tokens ({@link
 * DecodeRoofline}).
 */
public final class WeightStream {

    /** Bytes of a matrix a thread claims at a time: a multiple of {@link StreamSum#STEP}. */
    static final long TILE = 64 << 10;

    private final ComputePool pool;
    private final MemorySegment[] matrices;
    /** Per matrix, the Java array its storage views, null for native memory. */
    private final byte[][] arrays;
    /** Per tile of the matrix being read: the sum of the range that starts there, 0 for the rest of the range. */
    private final long[] tileSums;
    private final long bytes;
    private final RangeBody readTiles = this::readTiles;
    private MemorySegment reading;
    private byte[] readingArray;
    private long checksum;

    /** A pass over the storage of {@code matrices} (each read once, however often it is listed) on {@code pool}. */
    public WeightStream(ComputePool pool, List<Weights> matrices) {
        this.pool = pool;
        List<Weights> distinct = matrices.stream().distinct().toList();
        this.matrices = distinct.stream().map(Weights::storage).toArray(MemorySegment[]::new);
        this.arrays = distinct.stream().map(w -> w.storageArray().orElse(null)).toArray(byte[][]::new);
        long total = 0;
        int mostTiles = 0;
        for (MemorySegment m : this.matrices) {
            total += m.byteSize();
            mostTiles = Math.max(mostTiles, tiles(m));
        }
        this.bytes = total;
        this.tileSums = new long[mostTiles];
    }

    /** Bytes a pass reads. */
    public long bytes() {
        return bytes;
    }

    /** Reads every byte once; the seconds it took. */
    public double pass() {
        long start = System.nanoTime();
        long sum = 0;
        for (int i = 0; i < matrices.length; i++) {
            reading = matrices[i];
            readingArray = arrays[i];
            int tiles = tiles(reading);
            pool.parallelFor(tiles, readTiles);
            for (int t = 0; t < tiles; t++) {
                sum += tileSums[t];
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        reading = null;
        readingArray = null;
        checksum = sum;
        return seconds;
    }

    /**
     * What the last pass read: the sum, modulo 2^64, of each matrix's little-endian longs (a partial last one as
     * its bytes), the same for every pass over the same weights.
     */
    public long checksum() {
        return checksum;
    }

    private void readTiles(int first, int last) {
        long from = first * TILE;
        long to = Math.min(reading.byteSize(), last * TILE);
        tileSums[first] = readingArray != null
                ? StreamSum.sum(readingArray, Math.toIntExact(from), Math.toIntExact(to - from))
                : StreamSum.sum(reading, from, to - from);
        for (int t = first + 1; t < last; t++) {
            tileSums[t] = 0;
        }
    }

    private static int tiles(MemorySegment m) {
        return Math.toIntExact(Math.ceilDiv(m.byteSize(), TILE));
    }
}
