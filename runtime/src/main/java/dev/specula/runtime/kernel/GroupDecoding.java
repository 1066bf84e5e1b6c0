package dev.specula.runtime.kernel;

/**
 * Weights stored in groups of rows interleaved column by column, which decode a whole group at a time for
 * {@link BatchKernel}: one row alone would be read a byte at a time.
 */
interface GroupDecoding extends Weights {

    /**
     * Rows {@link #decodeGroup} writes at a time, and the unit a prompt's rows are handed out in: a group
     * ({@link #rowGroup}), or a part of one where a layout's groups are wider than a prompt's batched products want.
     */
    default int decodedRows() {
        return rowGroup();
    }

    /**
     * Writes the {@link #decodedRows} rows from {@code firstRow} (a multiple of it) as floats, column after column:
     * row {@code firstRow + i}'s value {@code k} to {@code dst[k * decodedRows() + i]}.
     */
    void decodeGroup(int firstRow, float[] dst);
}
