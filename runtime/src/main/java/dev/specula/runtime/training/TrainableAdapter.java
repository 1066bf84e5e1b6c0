package dev.specula.runtime.training;

import dev.specula.runtime.lora.LoraAdapter;
import dev.specula.runtime.lora.LoraTarget;
import dev.specula.runtime.model.ModelConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

/** A LoRA adapter being trained: its live matrices and a gradient array of the same shape for each. */
public final class TrainableAdapter {
    private final LoraAdapter adapter;
    /** {@code [target.ordinal()][layer]}; null for targets the adapter does not modify. */
    private final float[][][] gradA;
    private final float[][][] gradB;

    public TrainableAdapter(LoraAdapter adapter) {
        this.adapter = adapter;
        int n = LoraTarget.values().length;
        gradA = new float[n][][];
        gradB = new float[n][][];
        for (LoraTarget t : adapter.targets()) {
            gradA[t.ordinal()] = new float[adapter.config().layers()][];
            gradB[t.ordinal()] = new float[adapter.config().layers()][];
            for (int l = 0; l < adapter.config().layers(); l++) {
                gradA[t.ordinal()][l] = new float[adapter.a(t, l).length];
                gradB[t.ordinal()][l] = new float[adapter.b(t, l).length];
            }
        }
    }

    /**
     * A seeded member: A ~ N(0, 1/in) as a Kaiming-style scale, and B small but not zero. With
     * PEFT's B = 0 every member would start as the same function (the base model), and the
     * soft-routing objective would have no asymmetry to grow specialists from.
     */
    public static TrainableAdapter seeded(ModelConfig config, int rank, float loraAlpha, Set<LoraTarget> targets,
                                          long seed, double bStd) {
        return new TrainableAdapter(LoraAdapter.random(config, rank, loraAlpha, targets, new Random(seed),
                1.0 / Math.sqrt(config.dim()), bStd));
    }

    public LoraAdapter adapter() {
        return adapter;
    }

    /** Gradient of A of {@code target} in {@code layer}; null when the adapter does not modify it. */
    public float[] gradA(LoraTarget target, int layer) {
        float[][] g = gradA[target.ordinal()];
        return g == null ? null : g[layer];
    }

    public float[] gradB(LoraTarget target, int layer) {
        float[][] g = gradB[target.ordinal()];
        return g == null ? null : g[layer];
    }

    /** Every parameter array, in a fixed order matching {@link #gradients()}. */
    public List<float[]> parameters() {
        List<float[]> out = new ArrayList<>();
        for (LoraTarget t : adapter.targets()) {
            for (int l = 0; l < adapter.config().layers(); l++) {
                out.add(adapter.a(t, l));
                out.add(adapter.b(t, l));
            }
        }
        return out;
    }

    public List<float[]> gradients() {
        List<float[]> out = new ArrayList<>();
        for (LoraTarget t : adapter.targets()) {
            for (int l = 0; l < adapter.config().layers(); l++) {
                out.add(gradA(t, l));
                out.add(gradB(t, l));
            }
        }
        return out;
    }

    public void zeroGradients() {
        for (float[] g : gradients()) {
            Arrays.fill(g, 0f);
        }
    }
}
