package dev.specula.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.kernel.BatchActivations;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.Weights;
import dev.specula.runtime.kernel.WeightsFactory;
import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A pass reads every byte of every matrix exactly once, whatever the threads and however the matrices end against
 * the tiles, the vector steps and the longs: its checksum equals a byte-by-byte one.
 */
class WeightStreamTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void aPassReadsEveryByteOnce(int threads) {
        Random random = new Random(threads);
        try (Arena arena = Arena.ofShared(); ComputePool pool = new ComputePool(threads)) {
            // 84 bytes (a partial long); 121,200 (two tiles, longs after the last vector step); 131,140 off-heap
            // (three tiles, a partial long)
            Weights small = f32(MemorySegment.ofArray(bytes(random, 3 * 7 * 4)), 3, 7);
            Weights twoTiles = f32(MemorySegment.ofArray(bytes(random, 101 * 300 * 4)), 101, 300);
            MemorySegment offHeap = arena.allocate(5 * 6557 * 4, 64)
                    .copyFrom(MemorySegment.ofArray(bytes(random, 5 * 6557 * 4)));
            Weights threeTiles = f32(offHeap, 5, 6557);
            // 21 tiles then 17: each thread's ranges of several tiles start at other tiles in each
            Weights many = f32(MemorySegment.ofArray(bytes(random, 10 * 34_000 * 4)), 10, 34_000);
            Weights fewer = f32(MemorySegment.ofArray(bytes(random, 8 * 34_000 * 4)), 8, 34_000);
            // 140,028 bytes kept in a Java array, read as the array (three tiles, a partial long)
            Weights sliced = new OnHeap(bytes(random, 7 * 5001 * 4), 7, 5001);
            WeightStream stream = new WeightStream(pool,
                    List.of(small, twoTiles, threeTiles, twoTiles, many, fewer, sliced));

            assertTrue(stream.pass() > 0);
            long expected = checksum(small) + checksum(twoTiles) + checksum(threeTiles) + checksum(many)
                    + checksum(fewer) + checksum(sliced);
            assertEquals(expected, stream.checksum(), "each matrix once, though one is listed twice");
            assertEquals(84 + 121_200 + 131_140 + 18 * 34_000 * 4 + 140_028, stream.bytes());
            stream.pass();
            assertEquals(expected, stream.checksum(), "a second pass reads the same");
        }
    }

    /** F32 weights that say where their array is, as a copy on the Java heap does. */
    private record OnHeap(byte[] array, Weights w) implements Weights {

        OnHeap(byte[] array, int rows, int cols) {
            this(array, f32(MemorySegment.ofArray(array), rows, cols));
        }

        @Override
        public Optional<byte[]> storageArray() {
            return Optional.of(array);
        }

        @Override
        public MemorySegment storage() {
            return w.storage();
        }

        @Override
        public int rows() {
            return w.rows();
        }

        @Override
        public int cols() {
            return w.cols();
        }

        @Override
        public Tensor tensor() {
            return w.tensor();
        }

        @Override
        public void matmul(float[] x, float[] out, int batch, int rowFrom, int rowTo) {
            w.matmul(x, out, batch, rowFrom, rowTo);
        }

        @Override
        public void matmul(BatchActivations x, float[] out, int rowFrom, int rowTo) {
            w.matmul(x, out, rowFrom, rowTo);
        }

        @Override
        public void row(int r, float[] dst, int offset) {
            w.row(r, dst, offset);
        }
    }

    private static Weights f32(MemorySegment data, int rows, int cols) {
        return WeightsFactory.of(new Tensor("w", GgmlType.F32, new long[] {cols, rows}, data));
    }

    private static byte[] bytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** The storage's little-endian longs summed modulo 2^64, a byte at a time. */
    private static long checksum(Weights w) {
        MemorySegment s = w.storage();
        long sum = 0;
        for (long i = 0; i < s.byteSize(); i++) {
            sum += (s.get(ValueLayout.JAVA_BYTE, i) & 0xffL) << 8 * (i % 8);
        }
        return sum;
    }
}
