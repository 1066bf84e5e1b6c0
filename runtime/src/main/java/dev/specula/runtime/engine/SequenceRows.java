package dev.specula.runtime.engine;

/** Rows that are consecutive tokens of one sequence, starting at {@code start}. Reused across calls. */
final class SequenceRows implements BatchRows {
    private Attention attention;
    private int start;

    SequenceRows at(Attention attention, int start) {
        this.attention = attention;
        this.start = start;
        return this;
    }

    @Override
    public int position(int row) {
        return start + row;
    }

    @Override
    public void attend(int layer, float[] q, float[] k, float[] v, int batch, float[] out) {
        attention.store(layer, k, v, batch, start);
        attention.attend(layer, q, batch, start, out);
    }
}
