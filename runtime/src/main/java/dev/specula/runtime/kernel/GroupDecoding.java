package dev.specula.runtime.kernel;

/**
 * Weights stored in groups of rows interleaved column by column, which decode a whole group at a time for
 * {@link BatchKernel}: one row alone would be read a byte at a time.
 */
interface GroupDecoding extends Weights {

    /**
     * Writes the {@link #rowGroup} rows from {@code firstRow} (a multiple of it) as floats, column after column:
     * row {@code firstRow + i}'s value {@code k} to {@code dst[k * rowGroup() + i]}.
     */
    void decodeGroup(int firstRow, float[] dst);
}
