package dev.specula.runtime.engine;

/**
 * Row {@code k} is ensemble member {@code k} at the shared position; each member attends over its
 * own KV cache. Members on the CPU attend in one pool job ({@link CpuAttention#attendMembers}); other
 * {@link Attention}s read rows from offset 0, so each row goes through small buffers (a few kilobytes of
 * copying against K attention passes), as keys and values always do.
 */
final class MemberRows implements BatchRows {
    private final int dim;
    private final int kvDim;
    private final float[] qRow;
    private final float[] kRow;
    private final float[] vRow;
    private final float[] outRow;
    private final CpuAttention[] onCpu;
    private final CpuAttention.MemberHeads memberHeads = new CpuAttention.MemberHeads();
    private Session[] sessions;
    private int position;

    MemberRows(int dim, int kvDim, int maxMembers) {
        this.dim = dim;
        this.kvDim = kvDim;
        qRow = new float[dim];
        kRow = new float[kvDim];
        vRow = new float[kvDim];
        outRow = new float[dim];
        onCpu = new CpuAttention[maxMembers];
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
        boolean cpu = true;
        for (int b = 0; b < batch; b++) {
            Attention attention = sessions[b].attention();
            System.arraycopy(k, b * kvDim, kRow, 0, kvDim);
            System.arraycopy(v, b * kvDim, vRow, 0, kvDim);
            attention.store(layer, kRow, vRow, 1, position);
            if (cpu && attention instanceof CpuAttention c && (b == 0 || c.pool() == onCpu[0].pool())) {
                onCpu[b] = c;
            } else {
                cpu = false;
            }
        }
        if (cpu) {
            CpuAttention.attendMembers(onCpu, batch, layer, q, position, out, memberHeads);
            return;
        }
        for (int b = 0; b < batch; b++) {
            System.arraycopy(q, b * dim, qRow, 0, dim);
            sessions[b].attention().attend(layer, qRow, 1, position, outRow);
            System.arraycopy(outRow, 0, out, b * dim, dim);
        }
    }
}
