package dev.specula.gpu;

import dev.specula.runtime.engine.EnsembleDeltaSet;
import dev.specula.runtime.engine.ProjectionDelta;
import dev.specula.runtime.lora.LoraEnsemble;
import dev.specula.runtime.lora.LoraTarget;
import dev.specula.runtime.model.ModelConfig;

/**
 * An ensemble's LoRA updates on an OpenCL device: per adapted projection and layer, the K members'
 * A and B stacked in one {@link GpuLoraSet}, applied to a whole batch with the BGMV kernels (row k
 * to member k in ensemble decode, every row to one member for its prompt). The activations go up
 * and the updated outputs come back once per projection; the device buffers are allocated once.
 */
final class GpuEnsembleDeltas implements EnsembleDeltaSet {
    private final GpuKernels kernels;
    private final OpenClContext context;
    private final ModelConfig config;
    // [target.ordinal()][layer], null where no member adapts the target
    private final GpuLoraSet[][] sets;
    private final DeviceBuffer x;
    private final DeviceBuffer y;
    private final DeviceBuffer t;
    private final DeviceBuffer perRowIndex;
    private final DeviceBuffer[] memberIndex;
    private final View perRow;
    private final View[] members;

    GpuEnsembleDeltas(GpuKernels kernels, OpenClContext context, LoraEnsemble ensemble, ModelConfig config,
                      int maxBatch) {
        this.kernels = kernels;
        this.context = context;
        this.config = config;
        int k = ensemble.size();
        int rank = ensemble.rank();
        sets = new GpuLoraSet[LoraTarget.values().length][];
        int maxIn = 0;
        int maxOut = 0;
        try {
            for (LoraTarget target : LoraTarget.values()) {
                if (!ensemble.member(0).has(target)) {
                    continue;
                }
                int in = target.in(config);
                int out = target.out(config);
                maxIn = Math.max(maxIn, in);
                maxOut = Math.max(maxOut, out);
                GpuLoraSet[] layers = new GpuLoraSet[config.layers()];
                sets[target.ordinal()] = layers;
                for (int l = 0; l < config.layers(); l++) {
                    float[][] a = new float[k][];
                    float[][] b = new float[k][];
                    float[] scales = new float[k];
                    for (int m = 0; m < k; m++) {
                        a[m] = ensemble.member(m).a(target, l);
                        b[m] = ensemble.member(m).b(target, l);
                        scales[m] = ensemble.member(m).scale();
                    }
                    layers[l] = kernels.uploadLora(a, b, scales, in, out, rank);
                }
            }
            int rows = Math.max(maxBatch, k);
            x = context.allocate(4L * rows * Math.max(1, maxIn));
            y = context.allocate(4L * rows * Math.max(1, maxOut));
            t = context.allocate(4L * rows * rank);
            int[] index = new int[rows];
            for (int r = 0; r < rows; r++) {
                index[r] = r < k ? r : -1;
            }
            perRowIndex = context.upload(index);
            memberIndex = new DeviceBuffer[k];
            for (int m = 0; m < k; m++) {
                java.util.Arrays.fill(index, m);
                memberIndex[m] = context.upload(index);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        perRow = new View(perRowIndex);
        members = new View[k];
        for (int m = 0; m < k; m++) {
            members[m] = new View(memberIndex[m]);
        }
    }

    @Override
    public ProjectionDelta perRow() {
        return perRow;
    }

    @Override
    public ProjectionDelta member(int k) {
        return members[k];
    }

    @Override
    public void close() {
        for (GpuLoraSet[] layers : sets) {
            if (layers != null) {
                for (GpuLoraSet s : layers) {
                    if (s != null) {
                        s.close();
                    }
                }
            }
        }
        for (DeviceBuffer b : new DeviceBuffer[]{x, y, t, perRowIndex}) {
            if (b != null) {
                b.close();
            }
        }
        if (memberIndex != null) {
            for (DeviceBuffer b : memberIndex) {
                if (b != null) {
                    b.close();
                }
            }
        }
    }

    private final class View implements ProjectionDelta {
        private final DeviceBuffer index;

        View(DeviceBuffer index) {
            this.index = index;
        }

        @Override
        public boolean modifies(LoraTarget target) {
            return sets[target.ordinal()] != null;
        }

        @Override
        public void apply(LoraTarget target, int layer, float[] xs, float[] ys, int batch) {
            GpuLoraSet set = sets[target.ordinal()] == null ? null : sets[target.ordinal()][layer];
            if (set == null) {
                return;
            }
            int in = target.in(config);
            int out = target.out(config);
            // One device at a time: the buffers are shared by every projection.
            synchronized (GpuEnsembleDeltas.this) {
                context.write(x, 0, xs, 0, batch * in);
                context.write(y, 0, ys, 0, batch * out);
                kernels.lora(set, x, y, index, t, batch);
                context.read(y, 0, ys, 0, batch * out);
            }
        }
    }
}
