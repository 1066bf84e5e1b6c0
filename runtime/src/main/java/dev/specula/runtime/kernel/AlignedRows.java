package dev.specula.runtime.kernel;

/**
 * This thread's copy of a call's activation rows, each row starting on a 64-byte boundary, for the
 * decode kernels. With 512-bit vectors a load from a misaligned row spans two cache lines on every
 * load; on a Zen 5 core that made the four-row Q8_0 product 1.4x slower (3.35 against 2.42 ns per
 * block, rows in cache), and two threads over all of a tinyllama-1.1b model's layers 1.3x slower with
 * four rows (97-101 against 73-77 ms) and 1.1x with one (30 against 27 ms). Where an array lands is up to
 * the JVM, so the copy is placed where its array is aligned now ({@link ArrayAddress}); copying costs
 * a few microseconds per call against milliseconds of weight reading.
 */
final class AlignedRows {

    private static final int ALIGN_BYTES = 64;
    private static final int ALIGN_FLOATS = ALIGN_BYTES / Float.BYTES;
    /**
     * Floats before row 0 where a kernel stores its accumulators to sum their lanes (up to two weight rows
     * against four activation rows), a whole number of 64-byte lines.
     */
    static final int SUMS = 2 * TensorWeights.REGISTER_BATCH * Species.LANES;
    private static final ThreadLocal<AlignedRows> ROWS = ThreadLocal.withInitial(AlignedRows::new);

    private float[] data = new float[0];
    private int start;
    private int stride;

    private AlignedRows() {
    }

    /**
     * This thread's buffer, sized and placed for {@code batch} rows of {@code cols} values: row {@code b}
     * goes at {@link #row row(b)} of {@link #data()}. The caller fills it; valid until this thread's next call.
     */
    static AlignedRows forRows(int batch, int cols) {
        AlignedRows rows = ROWS.get();
        rows.place(batch, cols);
        return rows;
    }

    private void place(int batch, int cols) {
        stride = Math.ceilDiv(cols, ALIGN_FLOATS) * ALIGN_FLOATS;
        int size = SUMS + batch * stride + ALIGN_FLOATS;
        if (data.length < size) {
            data = new float[size];
        }
        long misaligned = ArrayAddress.of(data) % ALIGN_BYTES;
        start = (int) ((ALIGN_BYTES - misaligned) % ALIGN_BYTES) / Float.BYTES + SUMS;
    }

    float[] data() {
        return data;
    }

    /** Where row {@code b} starts in {@link #data()}; the {@link #SUMS} floats before row 0 are scratch. */
    int row(int b) {
        return start + b * stride;
    }
}
