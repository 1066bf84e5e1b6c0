package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.QuantBlocks.BLOCK;
import static dev.specula.runtime.kernel.QuantBlocks.HALF;
import static dev.specula.runtime.kernel.Species.FLOATS;

import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * A Q8_0 or Q4_0 matrix copied out of GGUF's interleaved blocks (fp16 scale, then quants) into
 * two arrays: the quants back to back in 64-byte aligned off-heap memory, and the scales apart.
 * Every vector load of quants is then aligned and never straddles a cache line, which GGUF's
 * 34- and 18-byte blocks make most loads do; the price is a copy at load time and memory that the
 * OS cannot drop and re-read from the file like the mapped original.
 */
final class PackedWeights implements Weights {

    private static final ValueLayout.OfShort SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Tensor tensor;
    private final int rows;
    private final int cols;
    private final int blocksPerRow;
    /** Q4_0 (16 bytes of nibbles per block) rather than Q8_0 (32 int8). */
    private final boolean nibbles;
    private final int quantBlockBytes;
    /** Row {@code r}'s quants start at byte {@code r * quantRowBytes}, block after block. */
    private final MemorySegment quants;
    private final long quantRowBytes;
    /** fp16 scale of block {@code b} of row {@code r} at {@code r * blocksPerRow + b}. */
    private final short[] scales;

    /** Copies a Q8_0 or Q4_0 tensor whose rows are whole blocks. */
    PackedWeights(Tensor tensor) {
        if (tensor.type() != GgmlType.Q8_0 && tensor.type() != GgmlType.Q4_0) {
            throw new IllegalArgumentException(tensor + ": only Q8_0 and Q4_0 are packed");
        }
        this.tensor = tensor;
        this.nibbles = tensor.type() == GgmlType.Q4_0;
        this.quantBlockBytes = nibbles ? HALF : BLOCK;
        this.rows = tensor.rows();
        this.cols = tensor.cols();
        this.blocksPerRow = cols / BLOCK;
        this.quantRowBytes = (long) blocksPerRow * quantBlockBytes;
        long blocks = (long) rows * blocksPerRow;
        this.quants = Arena.ofAuto().allocate(blocks * quantBlockBytes, 64);
        this.scales = new short[Math.toIntExact(blocks)];
        MemorySegment data = tensor.data();
        long sourceBlockBytes = 2 + quantBlockBytes;
        for (int i = 0; i < scales.length; i++) {
            long from = i * sourceBlockBytes;
            scales[i] = data.get(SHORT, from);
            MemorySegment.copy(data, from + 2, quants, (long) i * quantBlockBytes, quantBlockBytes);
        }
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public Tensor tensor() {
        return tensor;
    }

    @Override
    public void matmul(float[] x, float[] out, int batch, int rowFrom, int rowTo) {
        Objects.checkFromToIndex(rowFrom, rowTo, rows);
        Objects.checkFromIndexSize(0, (long) batch * cols, x.length);
        Objects.checkFromIndexSize(0, (long) batch * rows, out.length);
        if (batch > 1) {
            BatchKernel.matmul(this, x, out, batch, rowFrom, rowTo);
            return;
        }
        for (int r = rowFrom; r < rowTo; r++) {
            out[r] = dot(r, x);
        }
    }

    @Override
    public void row(int r, float[] dst, int offset) {
        Objects.checkIndex(r, rows);
        Objects.checkFromIndexSize(offset, cols, dst.length);
        decode(r, dst, offset);
    }

    private float scale(int r, int block) {
        return Float.float16ToFloat(scales[r * blocksPerRow + block]);
    }

    /** Row {@code r} dotted with {@code x[0 .. cols)}. */
    private float dot(int r, float[] x) {
        // One loop per block kind: the Vector API is only fast when the whole loop inlines, and a
        // loop calling either kind's block grows too large for that.
        return nibbles ? dotQ4(r, x) : dotQ8(r, x);
    }

    /**
     * Two blocks per iteration into separate accumulators. Four would hide more FMA latency, but
     * then C2 stops inlining the block bodies and the vectors are boxed on the heap.
     */
    private float dotQ8(int r, float[] x) {
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        long at = r * quantRowBytes;
        int b = 0;
        for (; b + 1 < blocksPerRow; b += 2, at += 2 * BLOCK) {
            int xi = b * BLOCK;
            acc0 = QuantBlocks.q8Dot(quants, at, scale(r, b), x, xi, acc0);
            acc1 = QuantBlocks.q8Dot(quants, at + BLOCK, scale(r, b + 1), x, xi + BLOCK, acc1);
        }
        if (b < blocksPerRow) {
            acc0 = QuantBlocks.q8Dot(quants, at, scale(r, b), x, b * BLOCK, acc0);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    /** As {@link #dotQ8} with 16-byte blocks of nibbles. */
    private float dotQ4(int r, float[] x) {
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        long at = r * quantRowBytes;
        int b = 0;
        for (; b + 1 < blocksPerRow; b += 2, at += 2 * HALF) {
            int xi = b * BLOCK;
            acc0 = QuantBlocks.q4Dot(quants, at, scale(r, b), x, xi, acc0);
            acc1 = QuantBlocks.q4Dot(quants, at + HALF, scale(r, b + 1), x, xi + BLOCK, acc1);
        }
        if (b < blocksPerRow) {
            acc0 = QuantBlocks.q4Dot(quants, at, scale(r, b), x, b * BLOCK, acc0);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    private void decode(int r, float[] dst, int offset) {
        long at = r * quantRowBytes;
        for (int b = 0; b < blocksPerRow; b++, at += quantBlockBytes) {
            if (nibbles) {
                QuantBlocks.q4Decode(quants, at, scale(r, b), dst, offset + b * BLOCK);
            } else {
                QuantBlocks.q8Decode(quants, at, scale(r, b), dst, offset + b * BLOCK);
            }
        }
    }
}
