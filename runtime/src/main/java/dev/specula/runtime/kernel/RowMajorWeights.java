package dev.specula.runtime.kernel;

import dev.specula.runtime.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Shared shape of every storage type: rows stored one after another in a memory segment, so a
 * kernel only has to know how to take the dot product of one row with one activation vector.
 */
abstract sealed class RowMajorWeights implements Weights
        permits BF16Weights, RegisterBatchWeights {

    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ORDER);
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ORDER);

    final Tensor tensor;
    final MemorySegment data;
    final int rows;
    final int cols;
    final long rowBytes;

    RowMajorWeights(Tensor tensor) {
        this.tensor = tensor;
        this.data = tensor.data();
        this.rows = tensor.rows();
        this.cols = tensor.cols();
        this.rowBytes = tensor.rowBytes();
    }

    @Override
    public final int rows() {
        return rows;
    }

    @Override
    public final int cols() {
        return cols;
    }

    @Override
    public final Tensor tensor() {
        return tensor;
    }

    @Override
    public final void matmul(float[] x, float[] out, int batch, int rowFrom, int rowTo) {
        Objects.checkFromToIndex(rowFrom, rowTo, rows);
        Objects.checkFromIndexSize(0, (long) batch * cols, x.length);
        Objects.checkFromIndexSize(0, (long) batch * rows, out.length);
        if (batch > 1) {
            batched(x, out, batch, rowFrom, rowTo);
            return;
        }
        for (int r = rowFrom; r < rowTo; r++) {
            out[r] = dot(r * rowBytes, x, 0);
        }
    }

    @Override
    public final void row(int r, float[] dst, int offset) {
        Objects.checkIndex(r, rows);
        Objects.checkFromIndexSize(offset, cols, dst.length);
        dequantize(r * rowBytes, dst, offset);
    }

    /** {@link #matmul} for {@code batch > 1}, arguments checked. */
    void batched(float[] x, float[] out, int batch, int rowFrom, int rowTo) {
        BatchKernel.matmul(this, x, out, batch, rowFrom, rowTo);
    }

    /** Dot product of the row starting at byte {@code rowOffset} with {@code x[xOffset .. xOffset + cols)}. */
    abstract float dot(long rowOffset, float[] x, int xOffset);

    /** Writes the row starting at byte {@code rowOffset} as floats to {@code dst[offset ..]}. */
    abstract void dequantize(long rowOffset, float[] dst, int offset);
}
