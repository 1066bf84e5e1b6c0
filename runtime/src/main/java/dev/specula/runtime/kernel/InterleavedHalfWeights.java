package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.Species.LANES;

import dev.specula.runtime.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * 16-bit floats (F16, BF16) in {@link InterleavedWeights}' layout: per group, column after column, the group's values
 * as one vector of 16-bit lanes ({@link #LINE} bytes), ordered so that 32-bit lane {@code i} holds row {@code i} in
 * its low half and row {@code i + LANES} in its high half. A kernel loads a column as ints and widens each half to
 * floats in registers (a shift, a mask), two vectors of rows in order, and multiplies on floats: the in-place kernels
 * widen a row a chunk at a time through a scratch array ({@link F16Weights}) and reduce each row's sum across lanes,
 * at 10-11 GMAC/s a thread even in cache. The same bytes as the file's layout.
 *
 * <p>F16 and BF16 differ only in their widening's shift, masks and scale, yet each has its kernels written out: one
 * class holding those as fields ran slower (BF16 5632x2048, two threads streaming, processes in turn: one row 681-736
 * against 481-668 us, four rows 702-753 against 584-726), its shift and masks no longer constants.
 */
abstract sealed class InterleavedHalfWeights extends InterleavedWeights<float[]>
        permits InterleavedF16Weights, InterleavedBF16Weights {

    /** Columns copied at a time: one {@link #interleave} unit. */
    static final int UNIT = 32;
    /** Bytes of one column of a group. */
    static final int LINE = GROUP * Short.BYTES;

    /** Copies {@code tensor} (rows a multiple of {@link #GROUP}, columns of {@link #UNIT}) into the layout. */
    InterleavedHalfWeights(Tensor tensor) {
        super(tensor, GROUP, (long) tensor.cols() * LINE);
        if (cols % UNIT != 0) {
            throw new IllegalArgumentException(tensor + ": columns must be a multiple of " + UNIT);
        }
        interleave(cols / UNIT, UNIT * Short.BYTES, UNIT * LINE);
    }

    /** Whether {@code t} fills this layout: whole groups of rows, whole units of columns. */
    static boolean fits(Tensor t) {
        return t.rows() % GROUP == 0 && t.cols() % UNIT == 0;
    }

    /** The 16-bit lane of a column that holds row {@code lane} of its group. */
    private static int slot(int lane) {
        return lane % LANES * 2 + lane / LANES;
    }

    @Override
    final void copyUnit(MemorySegment source, long from, byte[] unit, int lane) {
        int slot = slot(lane);
        for (int c = 0; c < UNIT; c += 4) {
            long four = source.get(LONG, from + (long) c * Short.BYTES);
            for (int i = 0; i < 4; i++) {
                int at = ((c + i) * GROUP + slot) * Short.BYTES;
                unit[at] = (byte) (four >>> 16 * i);
                unit[at + 1] = (byte) (four >>> 16 * i + 8);
            }
        }
    }

    @Override
    final void row(long at, int lane, float[] dst, int offset) {
        long first = at + (long) slot(lane) * Short.BYTES;
        for (int c = 0; c < cols; c++) {
            dst[offset + c] = value(data.get(SHORT, first + (long) c * LINE));
        }
    }

    /** The float a stored 16-bit value stands for. */
    abstract float value(short bits);
}
