package dev.specula.runtime.kernel;

/**
 * A key/value head's cache laid out in tiles of {@link #POSITIONS} positions: tile {@code t} of a head of
 * {@code headDim} dimensions is the {@code headDim * POSITIONS} floats from {@code t * headDim * POSITIONS}. Keys are
 * stored transposed in the tile ({@code [dimension][position]}), so attention scores a tile with one FMA per
 * dimension and no lane sums; values a row per position ({@code [position][dimension]}). A tile is contiguous, so it
 * is read in whole cache lines and once for all query heads of its group ({@link AttentionKernel#attendGroup}), and
 * the head's tiles follow one another, so attention streams them front to back; a cache that grows appends tiles,
 * so copying the arrays keeps them in place. A cache holds floats, or IEEE half floats (F16, as llama.cpp's default
 * cache) in a {@code short[]} of the same layout.
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

    /** Floats of a head's cache of {@code positions} positions (whole tiles) of {@code headDim} dimensions. */
    public static int length(int positions, int headDim) {
        return Math.multiplyExact(roundUp(positions), headDim);
    }

    /** Stores the key {@code k[kOff .. kOff + headDim)} of {@code position} into {@code keys}. */
    public static void storeKey(float[] k, int kOff, int headDim, float[] keys, int position) {
        int at = keyAt(position, headDim);
        for (int c = 0; c < headDim; c++) {
            keys[at + c * POSITIONS] = k[kOff + c];
        }
    }

    /** Stores the value {@code v[vOff .. vOff + headDim)} of {@code position} into {@code values}. */
    public static void storeValue(float[] v, int vOff, int headDim, float[] values, int position) {
        System.arraycopy(v, vOff, values, valueAt(position, headDim), headDim);
    }

    /** As {@link #storeKey(float[], int, int, float[], int)}, rounded to F16. */
    public static void storeKey(float[] k, int kOff, int headDim, short[] keys, int position) {
        int at = keyAt(position, headDim);
        for (int c = 0; c < headDim; c++) {
            keys[at + c * POSITIONS] = Float.floatToFloat16(k[kOff + c]);
        }
    }

    /** As {@link #storeValue(float[], int, int, float[], int)}, rounded to F16. */
    public static void storeValue(float[] v, int vOff, int headDim, short[] values, int position) {
        int at = valueAt(position, headDim);
        for (int i = 0; i < headDim; i++) {
            values[at + i] = Float.floatToFloat16(v[vOff + i]);
        }
    }

    /** Where the key of {@code position} starts: its dimension 0, within its tile. */
    private static int keyAt(int position, int headDim) {
        return (position / POSITIONS) * headDim * POSITIONS + position % POSITIONS;
    }

    /** Where the value of {@code position} starts: its row within its tile. */
    private static int valueAt(int position, int headDim) {
        return (position / POSITIONS) * headDim * POSITIONS + (position % POSITIONS) * headDim;
    }
}
