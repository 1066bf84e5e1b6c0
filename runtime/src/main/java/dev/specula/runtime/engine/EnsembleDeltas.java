package dev.specula.runtime.engine;

import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.LoraKernel;
import dev.specula.runtime.kernel.RangeBody;
import dev.specula.runtime.lora.LoraAdapter;
import dev.specula.runtime.lora.LoraEnsemble;
import dev.specula.runtime.lora.LoraTarget;
import dev.specula.runtime.model.ModelConfig;

/**
 * The LoRA updates of an ensemble's members on the CPU, laid out for {@link LoraKernel} (B
 * transposed). Views are made once; applying allocates nothing.
 */
final class EnsembleDeltas implements EnsembleDeltaSet {
    private final ComputePool pool;
    private final ModelConfig config;
    private final int rank;
    private final float scale;
    private final boolean[] modifies;
    // [member][target.ordinal()][layer]
    private final float[][][][] a;
    private final float[][][][] bt;
    private final float[] scratch;
    private final View perRow;
    private final View[] perMember;

    EnsembleDeltas(LoraEnsemble ensemble, ModelConfig config, ComputePool pool, int maxBatch) {
        this.pool = pool;
        this.config = config;
        this.rank = ensemble.rank();
        this.scale = ensemble.members().getFirst().scale();
        int members = ensemble.size();
        int targets = LoraTarget.values().length;
        modifies = new boolean[targets];
        a = new float[members][targets][][];
        bt = new float[members][targets][][];
        for (int k = 0; k < members; k++) {
            LoraAdapter m = ensemble.member(k);
            for (LoraTarget t : m.targets()) {
                modifies[t.ordinal()] = true;
                a[k][t.ordinal()] = new float[config.layers()][];
                bt[k][t.ordinal()] = new float[config.layers()][];
                for (int l = 0; l < config.layers(); l++) {
                    a[k][t.ordinal()][l] = m.a(t, l).clone();
                    bt[k][t.ordinal()][l] = LoraKernel.transpose(m.b(t, l), t.out(config), rank);
                }
            }
        }
        scratch = new float[Math.max(maxBatch, members) * rank];
        perRow = new View(-1);
        perMember = new View[members];
        for (int k = 0; k < members; k++) {
            perMember[k] = new View(k);
        }
    }

    int members() {
        return a.length;
    }

    @Override
    public ProjectionDelta perRow() {
        return perRow;
    }

    @Override
    public ProjectionDelta member(int k) {
        return perMember[k];
    }

    /**
     * One way of assigning members to batch rows. It is also the pool's task for its own {@link #apply}, its
     * fields holding the call's arguments: a lambda capturing them was an allocation per projection and token.
     * Like {@link #scratch}, that makes a view usable by one thread at a time, as a session is.
     */
    private final class View implements ProjectionDelta, RangeBody {
        private final int fixedMember;
        private int target;
        private int layer;
        private int in;
        private int out;
        private float[] x;
        private float[] y;

        View(int fixedMember) {
            this.fixedMember = fixedMember;
        }

        @Override
        public boolean modifies(LoraTarget target) {
            return modifies[target.ordinal()];
        }

        @Override
        public void apply(LoraTarget target, int layer, float[] x, float[] y, int batch) {
            if (!modifies[target.ordinal()]) {
                return;
            }
            this.target = target.ordinal();
            this.layer = layer;
            this.in = target.in(config);
            this.out = target.out(config);
            this.x = x;
            this.y = y;
            try {
                pool.parallelFor(batch, this);
            } finally {
                this.x = null;
                this.y = null;
            }
        }

        @Override
        public void run(int from, int to) {
            for (int b = from; b < to; b++) {
                int k = fixedMember < 0 ? b : fixedMember;
                LoraKernel.apply(a[k][target][layer], bt[k][target][layer], rank, in, out, scale, x, b * in, y,
                        b * out, scratch, b * rank);
            }
        }
    }
}
