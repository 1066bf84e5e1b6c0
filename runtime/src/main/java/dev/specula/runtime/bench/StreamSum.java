package dev.specula.runtime.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The cheapest read of memory that still uses every byte: the sum, modulo 2^64, of its little-endian longs (a
 * partial last one as its bytes), so a pass's result says whether every byte was read exactly once.
 */
final class StreamSum {

    private static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED;
    /** Bytes per step: four vectors, so the loop is bound by its loads, not by the latency of the adds. */
    static final long STEP = 4L * LONGS.vectorByteSize();
    private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_PREFERRED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private StreamSum() {
    }

    /**
     * The sum of bytes {@code [from, from + length)} of {@code s}; {@code from} a multiple of 8 for sums of adjacent
     * ranges to add up to the whole's.
     */
    static long sum(MemorySegment s, long from, long length) {
        LongVector a0 = LongVector.zero(LONGS);
        LongVector a1 = LongVector.zero(LONGS);
        LongVector a2 = LongVector.zero(LONGS);
        LongVector a3 = LongVector.zero(LONGS);
        int w = LONGS.vectorByteSize();
        long end = from + length;
        long at = from;
        for (; at <= end - STEP; at += STEP) {
            a0 = a0.add(LongVector.fromMemorySegment(LONGS, s, at, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(LongVector.fromMemorySegment(LONGS, s, at + w, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(LongVector.fromMemorySegment(LONGS, s, at + 2L * w, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(LongVector.fromMemorySegment(LONGS, s, at + 3L * w, ByteOrder.LITTLE_ENDIAN));
        }
        long sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; at <= end - Long.BYTES; at += Long.BYTES) {
            sum += s.get(LONG, at);
        }
        for (int shift = 0; at < end; at++, shift += Byte.SIZE) {
            sum += (s.get(ValueLayout.JAVA_BYTE, at) & 0xffL) << shift;
        }
        return sum;
    }

    /**
     * As {@link #sum(MemorySegment, long, long)}, for bytes {@code [from, from + length)} of a Java array: read as
     * longs through a heap segment, the loads are not intrinsified (5 GB/s), so the array's bytes are loaded as the
     * kernels that keep weights in arrays load them, and taken as longs (no segment of an array joins the JDK's
     * profiles that the kernels reading native memory share).
     */
    static long sum(byte[] array, int from, int length) {
        LongVector a0 = LongVector.zero(LONGS);
        LongVector a1 = LongVector.zero(LONGS);
        LongVector a2 = LongVector.zero(LONGS);
        LongVector a3 = LongVector.zero(LONGS);
        int w = BYTES.length();
        int end = from + length;
        int at = from;
        for (; at <= end - STEP; at += (int) STEP) {
            a0 = a0.add(ByteVector.fromArray(BYTES, array, at).reinterpretAsLongs());
            a1 = a1.add(ByteVector.fromArray(BYTES, array, at + w).reinterpretAsLongs());
            a2 = a2.add(ByteVector.fromArray(BYTES, array, at + 2 * w).reinterpretAsLongs());
            a3 = a3.add(ByteVector.fromArray(BYTES, array, at + 3 * w).reinterpretAsLongs());
        }
        long sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (int i = at; i < end; i++) {
            sum += (array[i] & 0xffL) << 8 * ((i - at) % Long.BYTES);
        }
        return sum;
    }
}
