package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.Species.FLOATS;

import dev.specula.runtime.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.IntStream;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Weights copied at load time into groups of {@link #GROUP} rows (or of a multiple: parts of a vector's lanes each)
 * interleaved so that each vector lane always holds the same row of its group (or part): quantized types multiplied
 * on 16-bit integers against activations quantized to 8 bits per block of 32 ({@link InterleavedInt8Weights}), 16-bit
 * floats widened in registers and multiplied on floats ({@link InterleavedHalfWeights}). A group's products come out
 * as whole vectors, one lane per row: no sum is ever reduced across lanes, which with a row-major layout would be
 * needed per block (the reason the in-place kernels widen every quant to a float instead). Subclasses lay out and
 * multiply one storage type, against activations of type {@code A}.
 *
 * <p>Each kernel converts its fp16 and byte scales to floats in place, the same few lines in every one, rather than
 * through a helper of ours returning the vector: such a helper in the Q6_K kernel was not inlined and its vectors
 * were boxed (3.8 against 1.5 ns per 32 values), as {@link VectorMath} found for its own.
 *
 * <p>Q6_K's copy lives in a Java array ({@link #heap}) that its kernels read with {@code fromArray}: read from
 * native memory, its kernel ran on the Vector API's allocating fallbacks in some processes and not others (a model
 * of Q6_K alone: 6 of 8 at 70-75 ms per token against 29-42), with JFR's samples in the JDK's segment-load method
 * as a frame of its own; from an array, 14 of 14 ran at 29-50 ms.
 */
abstract sealed class InterleavedWeights<A> extends TensorWeights implements GroupDecoding
        permits InterleavedInt8Weights, InterleavedHalfWeights {

    static final VectorSpecies<Short> GROUP_SHORTS = VectorSpecies.of(short.class, FLOATS.vectorShape());
    /** Rows per group: the 16-bit lanes of a full-width vector (32 with AVX-512, 16 with AVX2). */
    static final int GROUP = GROUP_SHORTS.length();
    static final VectorSpecies<Byte> GROUP_BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(GROUP * Byte.SIZE));
    /**
     * An fp16 sign-extended to an int and shifted left by 13, then masked with {@link #HALF_BITS} (the sign's other
     * copies cleared), is the bits of a float whose value is the fp16's times 2^-112, subnormals included.
     */
    static final float HALF_EXPONENT_BIAS = 0x1p112f;
    /** The sign, exponent and mantissa bits an fp16 occupies once shifted into a float's place. */
    static final int HALF_BITS = 0x8fffffff;
    private static final long HEAP_RESERVE = 256L << 20;
    private static final ThreadScratch UNALIGNED = new ThreadScratch();
    /** Never started: only asked whether a segment may be read by threads other than its creator. */
    private static final Thread ANOTHER_THREAD = Thread.ofVirtual().unstarted(() -> { });

    /** Rows per group of this layout: {@link #GROUP} or a multiple of it. */
    final int group;
    final long groupBytes;
    /** The copy, where it lives in a Java array for kernels that read it with {@code fromArray}; else null. */
    final byte[] heap;

    /**
     * Native memory for {@code tensor}'s groups of {@code group} rows in {@code groupBytes} each; the subclass copies
     * the weights in.
     */
    InterleavedWeights(Tensor tensor, int group, long groupBytes) {
        this(tensor, group, groupBytes, false);
    }

    /** As {@link #InterleavedWeights(Tensor, int, long)}, in a Java array ({@link #heap}; see {@link #heapHolds}). */
    InterleavedWeights(Tensor tensor, int group, long groupBytes, boolean onHeap) {
        this(tensor, group, groupBytes, onHeap ? new byte[Math.toIntExact(bytes(tensor, group, groupBytes))] : null);
    }

    private InterleavedWeights(Tensor tensor, int group, long groupBytes, byte[] heap) {
        super(tensor, heap != null ? MemorySegment.ofArray(heap)
                : UninitializedMemory.allocate(bytes(tensor, group, groupBytes), 64));
        this.group = group;
        this.groupBytes = groupBytes;
        this.heap = heap;
    }

    @Override
    public final Optional<byte[]> storageArray() {
        return Optional.ofNullable(heap);
    }

    /**
     * Bytes of {@code tensor}'s groups of {@code group} rows in {@code groupBytes} each, its rows checked to be whole
     * groups.
     */
    static long bytes(Tensor tensor, int group, long groupBytes) {
        if (tensor.rows() % group != 0) {
            throw new IllegalArgumentException(tensor + ": rows must be a multiple of " + group);
        }
        return tensor.rows() / group * groupBytes;
    }

    /**
     * Whether an array of {@code bytes} fits the Java heap now and leaves a quarter of its maximum, and at least
     * 256 MiB, free for everything else that lives there (KV caches, buffers).
     */
    static boolean heapHolds(long bytes) {
        Runtime runtime = Runtime.getRuntime();
        long free = runtime.maxMemory() - (runtime.totalMemory() - runtime.freeMemory());
        return bytes <= Integer.MAX_VALUE - 8 && free - bytes >= Math.max(HEAP_RESERVE, runtime.maxMemory() / 4);
    }

    /**
     * Copies the tensor in, for the subclass's constructor: each row's {@code units} units (blocks or super-blocks)
     * of {@code sourceUnitBytes} in the file's layout go by {@link #copyUnit} into its group's units of
     * {@code unitBytes}, built a whole unit at a time on the heap and written out in one copy, groups on all cores.
     * Then the file's pages, read once, are let go.
     */
    final void interleave(int units, long sourceUnitBytes, int unitBytes) {
        MemorySegment source = plain(tensor.data());
        IntStream groups = IntStream.range(0, rows / group);
        // A segment of a confined arena is read by its owner thread alone.
        (source.isAccessibleBy(ANOTHER_THREAD) ? groups.parallel() : groups).forEach(g -> {
            byte[] unit = new byte[unitBytes];
            for (int u = 0; u < units; u++) {
                for (int lane = 0; lane < group; lane++) {
                    copyUnit(source, (long) (g * group + lane) * tensor.rowBytes() + u * sourceUnitBytes, unit, lane);
                }
                MemorySegment.copy(unit, 0, data, ValueLayout.JAVA_BYTE, g * groupBytes + (long) u * unitBytes, unitBytes);
            }
        });
        if (tensor.data().isMapped()) {
            tensor.data().unload();
        }
    }

    /**
     * Copies {@code count} bytes (a multiple of 8) from byte {@code from} of {@code source} to {@code unit[at]},
     * {@code unit[at + group]}, ...: one row's bytes of consecutive runs of the group's rows.
     */
    final void spread(MemorySegment source, long from, int count, byte[] unit, int at) {
        for (int i = 0; i < count; i += Long.BYTES) {
            long eight = source.get(LONG, from + i);
            for (int b = 0; b < Long.BYTES; b++) {
                unit[at + (i + b) * group] = (byte) (eight >>> 8 * b);
            }
        }
    }

    /** Copies the fp16 at byte {@code from} of {@code source} to {@code unit[at]} and {@code unit[at + 1]}. */
    static void copyHalf(MemorySegment source, long from, byte[] unit, int at) {
        unit[at] = source.get(ValueLayout.JAVA_BYTE, from);
        unit[at + 1] = source.get(ValueLayout.JAVA_BYTE, from + 1);
    }

    /** Copies the unit at byte {@code from} of {@code source} into lane {@code lane} of a group's {@code unit}. */
    abstract void copyUnit(MemorySegment source, long from, byte[] unit, int lane);

    @Override
    public final long copiedBytes() {
        return data.byteSize();
    }

    @Override
    public final int rowGroup() {
        return group;
    }

    @Override
    final void registerProducts(float[] x, float[] out, int batch, int rowFrom, int rowTo) {
        products(activations(x, batch, null, 0), out, batch, rowFrom, rowTo);
    }

    /**
     * {@link #matmul(float[], float[], int, int, int)} for {@link MatMul}'s product number {@code product} of
     * {@code owner}, whose row ranges may share {@code x}'s preparation ({@link #activations}).
     */
    final void matmul(float[] x, float[] out, int batch, int rowFrom, int rowTo, Object owner, long product) {
        checkProduct(x, out, batch, rowFrom, rowTo);
        if (batch < 1 || batch > REGISTER_BATCH) {
            throw new IllegalArgumentException("batch " + batch + " outside 1.." + REGISTER_BATCH);
        }
        products(activations(x, batch, owner, product), out, batch, rowFrom, rowTo);
    }

    /**
     * {@code x}'s {@code batch} rows as this layout's kernels take them, for product number {@code product} of
     * {@code owner} (a layout that prepares them may keep them for the product's other row ranges), or for this call
     * alone if {@code owner} is null.
     */
    abstract A activations(float[] x, int batch, Object owner, long product);

    private void products(A a, float[] out, int batch, int rowFrom, int rowTo) {
        int first = rowFrom / group * group;
        for (int g = first; g < rowTo; g += group) {
            if (g >= rowFrom && g + group <= rowTo) {
                groupProducts(a, batch, g, out, rows, g);
                continue;
            }
            // A range that splits a group: products of the whole group, then only the rows asked for.
            float[] scratch = UNALIGNED.atLeast(batch * group);
            groupProducts(a, batch, g, scratch, group, 0);
            for (int b = 0; b < batch; b++) {
                for (int r = Math.max(g, rowFrom); r < Math.min(g + group, rowTo); r++) {
                    out[b * rows + r] = scratch[b * group + r - g];
                }
            }
        }
    }

    /** Products of group {@code g}'s rows with each activation row {@code b}, to {@code out[o + b * stride ..]}. */
    private void groupProducts(A a, int batch, int g, float[] out, int stride, int o) {
        long at = (long) (g / group) * groupBytes;
        if (batch == 1) {
            dot(at, a, 0, out, o);
            return;
        }
        // Fewer than four rows repeat the last one, as RowMajorWeights does.
        int b1 = Math.min(1, batch - 1);
        int b2 = Math.min(2, batch - 1);
        int b3 = Math.min(3, batch - 1);
        dot4(at, a, b1, b2, b3, out, o, o + b1 * stride, o + b2 * stride, o + b3 * stride);
    }

    /** The group at byte {@code at} against activation row {@code row} of {@code a}, to {@code out[o .. o + group)}. */
    abstract void dot(long at, A a, int row, float[] out, int o);

    /** As {@link #dot}, against activation rows 0, {@code b1}, {@code b2}, {@code b3}, to {@code out[o0 ..]}, ... */
    abstract void dot4(long at, A a, int b1, int b2, int b3, float[] out, int o0, int o1, int o2, int o3);

    /**
     * {@link #dot4} as four one-row passes, a group at a time, so the weights come from memory once and from cache
     * three times.
     */
    final void oneRowPasses(long at, A a, int b1, int b2, int b3, float[] out, int o0, int o1, int o2, int o3) {
        dot(at, a, 0, out, o0);
        dot(at, a, b1, out, o1);
        dot(at, a, b2, out, o2);
        dot(at, a, b3, out, o3);
    }

    @Override
    public final void decodeGroup(int firstRow, float[] dst) {
        int decoded = decodedRows();
        Objects.checkIndex(firstRow / decoded, rows / decoded);
        Objects.checkFromIndexSize(0, (long) decoded * cols, dst.length);
        decodeRows((long) (firstRow / group) * groupBytes, firstRow % group, dst);
    }

    /**
     * {@link #decodeGroup(int, float[])} for the {@link #decodedRows} rows from row {@code from} of the group at byte
     * {@code at}, arguments checked: the whole group, unless a layout decodes parts of one.
     */
    void decodeRows(long at, int from, float[] dst) {
        decodeGroup(at, dst);
    }

    /** {@link #decodeGroup(int, float[])} for the group at byte {@code at}, arguments checked. */
    abstract void decodeGroup(long at, float[] dst);

    @Override
    final void decodeRow(int r, float[] dst, int offset) {
        row((long) (r / group) * groupBytes, r % group, dst, offset);
    }

    /** Writes lane {@code lane} of the group at byte {@code at}, dequantized, to {@code dst[offset ..]}. */
    abstract void row(long at, int lane, float[] dst, int offset);

    @Override
    final void batchProducts(BatchActivations x, float[] out, int rowFrom, int rowTo) {
        BatchKernel.matmul((GroupDecoding) this, x, out, rowFrom, rowTo);
    }
}
