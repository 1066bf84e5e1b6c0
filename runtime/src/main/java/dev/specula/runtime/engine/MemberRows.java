package dev.specula.runtime.engine;

/**
 * Row {@code k} is ensemble member {@code k} at the shared position; each member attends over its
 * own KV cache. {@link Attention} reads rows from offset 0, so each row goes through small buffers
 * (a few kilobytes of copying against K attention passes).
 */
final class MemberRows implements BatchRows {
    private final int dim;
    private final int kvDim;
    private final float[] qRow;
    private final float[] kRow;
    private final float[] vRow;
    private final float[] outRow;
    private Session[] sessions;
    private int position;

    MemberRows(int dim, int kvDim) {
        this.dim = dim;
        this.kvDim = kvDim;
        qRow = new float[dim];
        kRow = new float[kvDim];
        vRow = new float[kvDim];
        outRow = new float[dim];
    }

    MemberRows at(Session[] sessions, int position) {
        this.sessions = sessions;
        this.position = position;
        return this;
    }

    @Override
    public int position(int row) {
        return position;
    }

    @Override
    public void attend(int layer, float[] q, float[] k, float[] v, int batch, float[] out) {
        for (int b = 0; b < batch; b++) {
            Attention attention = sessions[b].attention();
            System.arraycopy(k, b * kvDim, kRow, 0, kvDim);
            System.arraycopy(v, b * kvDim, vRow, 0, kvDim);
            attention.store(layer, kRow, vRow, 1, position);
            System.arraycopy(q, b * dim, qRow, 0, dim);
            attention.attend(layer, qRow, 1, position, outRow);
            System.arraycopy(outRow, 0, out, b * dim, dim);
        }
    }
}
