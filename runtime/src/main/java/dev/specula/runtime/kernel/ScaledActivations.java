package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.LANES;

import jdk.incubator.vector.FloatVector;

/**
 * A thread's copy of a product's activation rows times a constant, made on the thread's first row range of that
 * product and kept for its other row ranges and the other matrices multiplying the same activations, as
 * {@link Int8Activations} keeps its quants.
 */
final class ScaledActivations {

    private static final ThreadLocal<ScaledActivations> ROWS = ThreadLocal.withInitial(ScaledActivations::new);

    private float[] values = new float[0];
    /** The product these are of, as {@link #ofProduct} was told; null when made for one call. */
    private Object owner;
    private long product;
    private int cols;
    private float scale;

    private ScaledActivations() {
    }

    /**
     * {@code x}'s {@code batch} rows of {@code cols} times {@code scale}, for product number {@code product} of
     * {@code owner} (or, if {@code owner} is null, for this call alone). Valid until this thread's next call.
     */
    static float[] ofProduct(Object owner, long product, float[] x, int cols, int batch, float scale) {
        ScaledActivations rows = ROWS.get();
        if (owner == null || rows.owner != owner || rows.product != product || rows.cols != cols
                || rows.scale != scale) {
            int n = batch * cols;
            if (rows.values.length < n) {
                rows.values = new float[n];
            }
            int i = 0;
            for (; i < FLOATS.loopBound(n); i += LANES) {
                FloatVector.fromArray(FLOATS, x, i).mul(scale).intoArray(rows.values, i);
            }
            for (; i < n; i++) {
                rows.values[i] = x[i] * scale;
            }
            rows.owner = owner;
            rows.product = product;
            rows.cols = cols;
            rows.scale = scale;
        }
        return rows.values;
    }
}
