package dev.specula.runtime.kernel;

import dev.specula.runtime.tensor.Tensor;

/** Picks the kernel for a tensor's storage type; the weights stay where the tensor's segment is. */
public final class WeightsFactory {

    private WeightsFactory() {
    }

    /**
     * Weights over {@code t}: a matrix of {@code t.rows()} rows of {@code t.cols()} values.
     *
     * @throws IllegalArgumentException if the type has no kernel, the tensor has fewer than two
     *                                  dimensions or too many rows/columns for int indexing, a
     *                                  quantized row is not whole blocks, or the segment is on the
     *                                  heap but not backed by a byte[] (the Vector API reads no other)
     */
    public static Weights of(Tensor t) {
        if (t.dims().length < 2) {
            throw new IllegalArgumentException(t + ": a weight matrix needs at least 2 dimensions");
        }
        if (t.elementCount() == 0) {
            throw new IllegalArgumentException(t + ": empty tensor");
        }
        try {
            t.rows();
            t.cols();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(t + ": too large to index rows and columns with int", e);
        }
        if (t.data().heapBase().filter(base -> !(base instanceof byte[])).isPresent()) {
            throw new IllegalArgumentException(t + ": heap segments must be backed by byte[]");
        }
        return switch (t.type()) {
            case F32 -> new F32Weights(t);
            case F16 -> new F16Weights(t);
            case BF16 -> new BF16Weights(t);
            case Q8_0 -> new Q8_0Weights(quantRows(t));
            case Q4_0 -> new Q4_0Weights(quantRows(t));
            case Q4_1 -> new Q4_1Weights(quantRows(t));
            case Q5_0 -> new Q5_0Weights(quantRows(t));
            case Q5_1 -> new Q5_1Weights(quantRows(t));
            case Q2_K -> new Q2_KWeights(quantRows(t));
            case Q3_K -> new Q3_KWeights(quantRows(t));
            case Q4_K -> new Q4_KWeights(quantRows(t));
            case Q5_K -> new Q5_KWeights(quantRows(t));
            case Q6_K -> new Q6_KWeights(quantRows(t));
            case IQ4_NL -> new IQ4_NLWeights(quantRows(t));
            case IQ4_XS -> new IQ4_XSWeights(quantRows(t));
            default -> throw new IllegalArgumentException(t + ": no kernel for tensor type " + t.type());
        };
    }

    /**
     * As {@link #of}, for a matrix an engine keeps for its lifetime and multiplies every token: Q4_0, Q4_K, Q8_0 (but
     * with 256-bit vectors) and Q6_K (with 512-bit vectors, where the Java heap has room) with whole groups of
     * {@link InterleavedWeights#GROUP} rows ({@link InterleavedQ4_0Weights#ROWS} for Q4_0) are copied into an
     * interleaved layout whose products run on 16-bit integers against 8-bit activations (1.2 to four times the
     * in-place kernels' speed), F16 and BF16 in whole groups (and columns of {@link InterleavedHalfWeights#UNIT}) into
     * one widened in registers, and the file's pages they were read from are let go.
     */
    public static Weights resident(Tensor t) {
        return resident(t, false);
    }

    private static Weights resident(Tensor t, boolean oneRow) {
        Weights inPlace = of(t);
        if (residentCopyBytes(t) == 0) {
            return inPlace;
        }
        return switch (t.type()) {
            case Q4_0 -> oneRow && InterleavedWideQ4_0Weights.FASTER
                    && wholeGroups(t, InterleavedWideQ4_0Weights.WIDE_ROWS)
                    ? new InterleavedWideQ4_0Weights(t) : new InterleavedQ4_0Weights(t);
            case Q4_K -> new InterleavedQ4_KWeights(t);
            case Q8_0 -> new InterleavedQ8_0Weights(t);
            case Q6_K -> new InterleavedQ6_KWeights(t);
            case F16 -> new InterleavedF16Weights(t);
            case BF16 -> new InterleavedBF16Weights(t);
            default -> throw new IllegalStateException(t + ": no interleaved layout for " + t.type());
        };
    }

    /**
     * As {@link #resident}, for an engine whose products are of one activation row: Q4_0 with whole groups of
     * {@link InterleavedWideQ4_0Weights#WIDE_ROWS} rows in those groups where they are faster (512-bit vectors), the
     * same bytes copied. Two to four rows' products are slower there: an ensemble's engine takes {@link #resident}.
     */
    public static Weights residentForOneRow(Tensor t) {
        return resident(t, true);
    }

    /**
     * The bytes {@link #resident} (and {@link #residentForOneRow}) copies {@code t} into: 0 for a matrix it multiplies
     * in place.
     */
    public static long residentCopyBytes(Tensor t) {
        return switch (t.type()) {
            case Q4_0 -> wholeGroups(t, InterleavedQ4_0Weights.ROWS) ? t.byteSize() : 0;
            case Q4_K -> wholeGroups(t, InterleavedWeights.GROUP) ? InterleavedQ4_KWeights.copyBytes(t) : 0;
            case Q8_0 -> InterleavedQ8_0Weights.FASTER && wholeGroups(t, InterleavedWeights.GROUP) ? t.byteSize() : 0;
            case Q6_K -> InterleavedQ6_KWeights.FASTER && wholeGroups(t, InterleavedWeights.GROUP)
                    ? InterleavedQ6_KWeights.copyBytes(t) : 0;
            case F16, BF16 -> InterleavedHalfWeights.fits(t) ? t.byteSize() : 0;
            default -> 0;
        };
    }

    /** Whether {@code t}'s rows fill groups of {@code rows}: an interleaved layout holds no partial group. */
    private static boolean wholeGroups(Tensor t, int rows) {
        return t.rows() % rows == 0;
    }

    private static Tensor quantRows(Tensor t) {
        int block = t.type().blockSize();
        if (t.cols() % block != 0) {
            throw new IllegalArgumentException(t + ": " + t.type() + " rows must be a multiple of "
                    + block + " values, got " + t.cols());
        }
        return t;
    }
}
