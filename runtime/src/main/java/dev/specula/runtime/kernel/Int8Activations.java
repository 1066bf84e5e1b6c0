package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.QuantBlocks.BLOCK;
import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.LANES;
import static dev.specula.runtime.kernel.Species.SHORTS;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * This thread's copy of a call's activation rows quantized to 8 bits per block of 32, as llama.cpp quantizes
 * them for its integer dot products (Q8_0, with the scale kept as a float): value {@code i} of block {@code b}
 * is about {@code scale(b) * quant(i)}, quants in -127..127, held in shorts for 16-bit multiplies. Each block
 * also keeps the sum of its quants, with which kernels recentre unsigned weight quants in one subtraction.
 */
final class Int8Activations {

    /** Adding then subtracting 1.5 * 2^23 rounds a float below 2^22 to the nearest integer. */
    private static final float ROUNDER = 12582912f;
    private static final ThreadLocal<Int8Activations> ROWS = ThreadLocal.withInitial(Int8Activations::new);

    private short[] quants = new short[0];
    private float[] scales = new float[0];
    private short[] sums = new short[0];
    private int cols;
    /** The product whose activations these are, as {@link #ofProduct} was told; null after {@link #forRows}. */
    private Object owner;
    private long product;

    private Int8Activations() {
    }

    /**
     * This thread's buffers holding {@code x}'s {@code batch} rows of {@code cols} quantized, for product number
     * {@code product} of {@code owner}: quantized on the thread's first call for that product, as they were on
     * every call before, and then reused by its other row ranges and by the other matrices that multiply the same
     * {@code x}. Valid until this thread's next call.
     */
    static Int8Activations ofProduct(Object owner, long product, float[] x, int cols, int batch) {
        Int8Activations rows = ROWS.get();
        if (rows.owner != owner || rows.product != product || rows.cols != cols) {
            forRows(batch, cols);
            for (int b = 0; b < batch; b++) {
                rows.quantize(x, b * cols, b);
            }
            rows.owner = owner;
            rows.product = product;
        }
        return rows;
    }

    /** This thread's buffers, sized for {@code batch} rows of {@code cols} values; valid until its next call. */
    static Int8Activations forRows(int batch, int cols) {
        Int8Activations rows = ROWS.get();
        rows.owner = null;
        rows.cols = cols;
        int blocks = batch * cols / BLOCK;
        if (rows.quants.length < batch * cols) {
            rows.quants = new short[batch * cols];
        }
        if (rows.scales.length < blocks) {
            rows.scales = new float[blocks];
            rows.sums = new short[blocks];
        }
        return rows;
    }

    /** Quantizes {@code x[from .. from + cols)} into row {@code row}. */
    void quantize(float[] x, int from, int row) {
        int blocks = cols / BLOCK;
        for (int b = 0; b < blocks; b++) {
            int at = from + b * BLOCK;
            FloatVector max = FloatVector.zero(FLOATS);
            for (int j = 0; j < BLOCK; j += LANES) {
                max = max.max(FloatVector.fromArray(FLOATS, x, at + j).abs());
            }
            float m = max.reduceLanes(VectorOperators.MAX);
            float inverse = m == 0 ? 0 : 127 / m;
            int q = row * cols + b * BLOCK;
            FloatVector sum = FloatVector.zero(FLOATS);
            for (int j = 0; j < BLOCK; j += LANES) {
                FloatVector v = FloatVector.fromArray(FLOATS, x, at + j).mul(inverse).add(ROUNDER).sub(ROUNDER);
                sum = sum.add(v);
                ((ShortVector) v.convertShape(VectorOperators.F2S, SHORTS, 0)).intoArray(quants, q + j);
            }
            // Sums of at most 32 integers of magnitude 127 are exact in any order.
            int k = row * (cols / BLOCK) + b;
            scales[k] = m / 127;
            sums[k] = (short) sum.reduceLanes(VectorOperators.ADD);
        }
    }

    /** Row {@code r}'s quants start at {@code quants()[quantRow(r)]}. */
    int quantRow(int r) {
        return r * cols;
    }

    /** Row {@code r}'s per-block scales and quant sums start at {@code scales()[blockRow(r)]}, {@code sums()[...]}. */
    int blockRow(int r) {
        return r * (cols / BLOCK);
    }

    short[] quants() {
        return quants;
    }

    float[] scales() {
        return scales;
    }

    short[] sums() {
        return sums;
    }
}
