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
        Task task = task();
        task.single[0] = w;
        task.singleOut[0] = out;
        task.run(pool, task.single, x, task.singleOut, batch);
    }

    /**
     * {@link #matmul(ComputePool, Weights, float[], float[], int)} of every {@code ws[i]} into {@code outs[i]}, all of
     * one width, handed to the pool at once: q, k and v, or gate and up, then wait once for the slowest thread rather
     * than once per matrix, k's and v's few rows share chunks with q's instead of making eight of their own, and each
     * thread quantizes {@code x} once for all of them. Decode of tinyllama-1.1b (Q8_0, two threads): q, k and v in
     * 3.0-3.3 rather than 3.5-3.8 ms per token.
     */
    public static void matmul(ComputePool pool, Weights[] ws, float[] x, float[][] outs, int batch) {
        if (ws.length != outs.length) {
            throw new IllegalArgumentException(ws.length + " matrices for " + outs.length + " outputs");
        }
        if (ws.length == 0) {
            return;
        }
        for (Weights w : ws) {
            if (w.cols() != ws[0].cols()) {
                throw new IllegalArgumentException("matrices of " + ws[0].cols() + " and " + w.cols() + " columns");
            }
        }
        task().run(pool, ws, x, outs, batch);
    }

    private static Task task() {
        Task task = TASKS.get();
        // A product started from inside another one's rows.
        return task.ws == null ? task : new Task();
    }

    private static final class Task implements RangeBody {
        /** A prompt batch's activations, laid out once per product for every thread. */
        final BatchActivations activations = new BatchActivations();
        final RangeBody layout = activations::fill;
        final Weights[] single = new Weights[1];
        final float[][] singleOut = new float[1][];
        Weights[] ws;
        float[][] outs;
        float[] x;
        int batch;
        /** Rows per tile of matrix i, and the first tile of matrix i (of all the call's tiles, counted on). */
        int[] tiles = new int[0];
        int[] firstTile = new int[1];
        /** Counts this task's products, for a thread's {@link Int8Activations} to tell whether it holds this one's. */
        long product;

        void run(ComputePool pool, Weights[] weights, float[] input, float[][] outputs, int rows) {
            ws = weights;
            outs = outputs;
            x = input;
            batch = rows;
            product++;
            boolean prompt = batch > TensorWeights.REGISTER_BATCH;
            try {
                if (prompt) {
                    activations.prepare(x, ws[0].cols(), batch);
                    pool.parallelFor(activations.units(), layout);
                }
                if (tiles.length < ws.length) {
                    tiles = new int[ws.length];
                    firstTile = new int[ws.length + 1];
                }
                for (int i = 0; i < ws.length; i++) {
                    // A prompt's rows go out in the runs its batched kernel decodes at once.
                    int group = prompt && ws[i] instanceof GroupDecoding g ? g.decodedRows() : ws[i].rowGroup();
                    tiles[i] = Math.ceilDiv(prompt ? BATCH_ROW_TILE : ROW_TILE, group) * group;
                    firstTile[i + 1] = firstTile[i] + Math.ceilDiv(ws[i].rows(), tiles[i]);
                }
                pool.parallelFor(firstTile[ws.length], this);
            } finally {
                ws = null;
                outs = null;
                x = null;
                single[0] = null;
                singleOut[0] = null;
                activations.release();
            }
        }

        @Override
        public void run(int from, int to) {
            for (int i = 0; i < ws.length; i++) {
                int first = Math.max(from, firstTile[i]);
                int last = Math.min(to, firstTile[i + 1]);
                if (first < last) {
                    Weights w = ws[i];
                    int rowFrom = (first - firstTile[i]) * tiles[i];
                    int rowTo = Math.min(w.rows(), (last - firstTile[i]) * tiles[i]);
                    product(w, outs[i], rowFrom, rowTo);
                }
            }
        }

        private void product(Weights w, float[] out, int rowFrom, int rowTo) {
            if (batch > TensorWeights.REGISTER_BATCH) {
                w.matmul(activations, out, rowFrom, rowTo);
            } else if (w instanceof InterleavedWeights<?> interleaved) {
                interleaved.matmul(x, out, batch, rowFrom, rowTo, this, product);
            } else {
                w.matmul(x, out, batch, rowFrom, rowTo);
            }
        }
    }
}
