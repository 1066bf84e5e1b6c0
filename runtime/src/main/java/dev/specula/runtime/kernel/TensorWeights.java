package dev.specula.runtime.kernel;

import dev.specula.runtime.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * What every weight matrix of a storage type shares, read in place ({@link RowMajorWeights}) or copied into
 * groups of rows ({@link InterleavedWeights}): its tensor and shape, the checks of a product's arguments, and prompt
 * batches (more than {@value #REGISTER_BATCH} rows) laid out for {@link BatchKernel}. Subclasses supply the products.
 */
abstract sealed class TensorWeights implements Weights permits RowMajorWeights, InterleavedWeights {

    /** Activation rows the decode kernels take at once; more go to {@link BatchKernel}. */
    static final int REGISTER_BATCH = 4;
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ORDER);
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ORDER);
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ORDER);

    final Tensor tensor;
    final int rows;
    final int cols;

    /**
     * {@code segment} as the kernels read it: a mapped file's segment through a plain native view of the same memory
     * and lifetime ({@code reinterpret} keeps the scope), so every weight a kernel loads comes from one segment class,
     * the interleaved copies' included. The Vector API's loads go through JDK code whose type profile of the segment
     * is shared by the whole process; in a model that mixes mapped and copied matrices (Q4_K_M: Q6_K in place, Q4_K
     * copied) C2 compiled the Q4_K kernel for either class or both, depending on which kernels had run first, and
     * tinyllama-1.1b decoded at 40-48 instead of 24-29 ms per token in three of eight processes; with one class,
     * 16 of 16 ran fast.
     */
    static MemorySegment plain(MemorySegment segment) {
        return segment.isMapped() ? segment.reinterpret(segment.byteSize()) : segment;
    }

    /** The memory the products read: the tensor's own ({@link #plain}) or a copy in another layout. */
    final MemorySegment data;

    TensorWeights(Tensor tensor, MemorySegment data) {
        this.tensor = tensor;
        this.rows = tensor.rows();
        this.cols = tensor.cols();
        this.data = data;
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
    public final MemorySegment storage() {
        return data.asReadOnly();
    }

    @Override
    public final void matmul(float[] x, float[] out, int batch, int rowFrom, int rowTo) {
        checkProduct(x, out, batch, rowFrom, rowTo);
        if (batch > REGISTER_BATCH) {
            matmul(BatchActivations.ofThisThread(x, cols, batch), out, rowFrom, rowTo);
            return;
        }
        registerProducts(x, out, batch, rowFrom, rowTo);
    }

    /** Checks the arguments of {@link #matmul(float[], float[], int, int, int)}. */
    final void checkProduct(float[] x, float[] out, int batch, int rowFrom, int rowTo) {
        Objects.checkFromToIndex(rowFrom, rowTo, rows);
        Objects.checkFromIndexSize(0, (long) batch * cols, x.length);
        Objects.checkFromIndexSize(0, (long) batch * rows, out.length);
    }

    /** {@link #matmul(float[], float[], int, int, int)} for {@code batch <= REGISTER_BATCH}, arguments checked. */
    abstract void registerProducts(float[] x, float[] out, int batch, int rowFrom, int rowTo);

    @Override
    public final void matmul(BatchActivations x, float[] out, int rowFrom, int rowTo) {
        Objects.checkFromToIndex(rowFrom, rowTo, rows);
        if (x.cols() != cols) {
            throw new IllegalArgumentException("activations of " + x.cols() + " columns for a matrix of " + cols);
        }
        Objects.checkFromIndexSize(0, (long) x.batch() * rows, out.length);
        batchProducts(x, out, rowFrom, rowTo);
    }

    /** {@link #matmul(BatchActivations, float[], int, int)}, arguments checked. */
    abstract void batchProducts(BatchActivations x, float[] out, int rowFrom, int rowTo);

    @Override
    public final void row(int r, float[] dst, int offset) {
        Objects.checkIndex(r, rows);
        Objects.checkFromIndexSize(offset, cols, dst.length);
        decodeRow(r, dst, offset);
    }

    /** {@link #row}, arguments checked. */
    abstract void decodeRow(int r, float[] dst, int offset);
}
