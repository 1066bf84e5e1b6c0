package dev.specula.runtime.kernel;

/**
 * A key/value cache's layout, in tiles of {@link #POSITIONS} positions. Tile {@code t} of a cache of {@code kvDim}
 * columns starts at {@code t * kvDim * POSITIONS}; within it, each key/value head (columns {@code kvOff ..
 * kvOff + headDim}) has a block of {@code headDim * POSITIONS} floats at {@code kvOff * POSITIONS}. Keys are stored
 * transposed in the block ({@code [column][position]}), so attention scores a tile with one FMA per dimension and
 * no lane sums; values a row per position ({@code [position][column]}). A head's tile is contiguous, so it is read
 * in whole cache lines and once for all query heads of its group ({@link AttentionKernel#attendGroup}); a cache
 * that grows appends tiles, so copying the arrays keeps them in place. A cache holds floats, or IEEE half floats
 * (F16, as llama.cpp's default cache) in a {@code short[]} of the same layout.
 */
public final class KvTiles {

    /** Positions per tile: one float vector's lanes. */
    public static final int POSITIONS = Species.LANES;

    private KvTiles() {
    }

    /** {@code positions} rounded up to whole tiles. */
    public static int roundUp(int positions) {
        return Math.multiplyExact(Math.ceilDiv(positions, POSITIONS), POSITIONS);
    }

    /** Floats of a cache of {@code positions} positions (whole tiles) of {@code kvDim} columns. */
    public static int length(int positions, int kvDim) {
        return Math.multiplyExact(roundUp(positions), kvDim);
    }

    /** Stores the key {@code k[kOff .. kOff + kvDim)} of {@code position} into {@code keys}. */
    public static void storeKey(float[] k, int kOff, int kvDim, float[] keys, int position) {
        int at = keyAt(position, kvDim);
        for (int c = 0; c < kvDim; c++) {
            keys[at + c * POSITIONS] = k[kOff + c];
        }
    }

    /** Stores the value {@code v[vOff .. vOff + kvDim)} of {@code position}, for heads of {@code headDim}, into {@code values}. */
    public static void storeValue(float[] v, int vOff, int kvDim, int headDim, float[] values, int position) {
        int at = valueAt(position, kvDim, headDim);
        for (int kvOff = 0; kvOff < kvDim; kvOff += headDim) {
            System.arraycopy(v, vOff + kvOff, values, at + kvOff * POSITIONS, headDim);
        }
    }

    /** As {@link #storeKey(float[], int, int, float[], int)}, rounded to F16. */
    public static void storeKey(float[] k, int kOff, int kvDim, short[] keys, int position) {
        int at = keyAt(position, kvDim);
        for (int c = 0; c < kvDim; c++) {
            keys[at + c * POSITIONS] = Float.floatToFloat16(k[kOff + c]);
        }
    }

    /** As {@link #storeValue(float[], int, int, int, float[], int)}, rounded to F16. */
    public static void storeValue(float[] v, int vOff, int kvDim, int headDim, short[] values, int position) {
        int at = valueAt(position, kvDim, headDim);
        for (int kvOff = 0; kvOff < kvDim; kvOff += headDim) {
            for (int i = 0; i < headDim; i++) {
                values[at + kvOff * POSITIONS + i] = Float.floatToFloat16(v[vOff + kvOff + i]);
            }
        }
    }

    /** Where the key of {@code position} starts: its column 0, within its tile's first head's block. */
    private static int keyAt(int position, int kvDim) {
        return (position / POSITIONS) * kvDim * POSITIONS + position % POSITIONS;
    }

    /** Where the value of {@code position} starts: its row within its tile's first head's block. */
    private static int valueAt(int position, int kvDim, int headDim) {
        return (position / POSITIONS) * kvDim * POSITIONS + (position % POSITIONS) * headDim;
    }
}
