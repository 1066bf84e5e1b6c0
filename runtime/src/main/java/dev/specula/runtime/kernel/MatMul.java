package dev.specula.runtime.kernel;

/** Matrix products split over a {@link ComputePool} by row ranges. */
public final class MatMul {

    /**
     * Rows are handed out in tiles of this many: with batch 1 a tile of outputs is one 64-byte
     * cache line, so threads rarely write the same line, and each thread streams long row runs.
     */
    static final int ROW_TILE = 16;
    /**
     * Prompt batches' tiles: {@link BatchKernel}'s row tile, which it pads a shorter run of rows up to. In tiles
     * of 16, a range of 32 rows (16 threads on 2048 rows) cost 36 rows of work, and k and v's ranges of 16 rows 18.
     */
    static final int BATCH_ROW_TILE = BatchKernel.TILE_ROWS;

    /** One reusable task per calling thread, so a product allocates nothing. */
    private static final ThreadLocal<Task> TASKS = ThreadLocal.withInitial(Task::new);

    private MatMul() {
    }

    /**
     * {@code out[b * w.rows() + r] = sum_c W[r][c] * x[b * w.cols() + c]} for all {@code b < batch}
     * and all rows. Each row is computed by exactly one thread, so the result does not depend on
     * the number of threads.
     */
    public static void matmul(ComputePool pool, Weights w, float[] x, float[] out, int batch) {
        Task task = TASKS.get();
        if (task.w != null) {
            task = new Task(); // a product started from inside another one's rows
        }
        task.w = w;
        task.x = x;
        task.out = out;
        task.batch = batch;
        boolean prompt = batch > TensorWeights.REGISTER_BATCH;
        try {
            if (prompt) {
                task.activations.prepare(x, w.cols(), batch);
                pool.parallelFor(task.activations.units(), task.layout);
            }
            int group = w.rowGroup();
            task.tile = Math.ceilDiv(prompt ? BATCH_ROW_TILE : ROW_TILE, group) * group;
            pool.parallelFor(Math.ceilDiv(w.rows(), task.tile), task);
        } finally {
            task.w = null;
            task.x = null;
            task.out = null;
            task.activations.release();
        }
    }

    private static final class Task implements RangeBody {
        /** A prompt batch's activations, laid out once per product for every thread. */
        final BatchActivations activations = new BatchActivations();
        final RangeBody layout = activations::fill;
        Weights w;
        float[] x;
        float[] out;
        int batch;
        int tile;

        @Override
        public void run(int from, int to) {
            int rowFrom = from * tile;
            int rowTo = Math.min(w.rows(), to * tile);
            if (batch > TensorWeights.REGISTER_BATCH) {
                w.matmul(activations, out, rowFrom, rowTo);
            } else {
                w.matmul(x, out, batch, rowFrom, rowTo);
            }
        }
    }
}
