package dev.specula.runtime.lora;

import dev.specula.runtime.model.ModelConfig;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Random;
import java.util.Set;

/**
 * One LoRA adapter over a base model: for each layer and target projection, A ({@code rank x in})
 * and B ({@code out x rank}), row-major float arrays, so that the projection becomes
 * {@code y = W x + (alpha / rank) B (A x)}. Rows of B for q and k follow the base model's RoPE
 * layout ({@link ModelConfig#ropeStyle()}). The arrays are live: a trainer updates them in place.
 */
public final class LoraAdapter {
    private final ModelConfig config;
    private final int rank;
    private final float alpha;
    private final Set<LoraTarget> targets;
    // [target.ordinal()][layer]; null for targets the adapter does not modify.
    private final float[][][] a;
    private final float[][][] b;

    private LoraAdapter(ModelConfig config, int rank, float alpha, Set<LoraTarget> targets) {
        if (rank <= 0) {
            throw new IllegalArgumentException("LoRA rank must be positive, got " + rank);
        }
        if (!(alpha > 0) || !Float.isFinite(alpha)) {
            throw new IllegalArgumentException("lora_alpha must be positive and finite, got " + alpha);
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("a LoRA adapter needs at least one target");
        }
        this.config = config;
        this.rank = rank;
        this.alpha = alpha;
        this.targets = Collections.unmodifiableSet(EnumSet.copyOf(targets));
        int n = LoraTarget.values().length;
        a = new float[n][][];
        b = new float[n][][];
        for (LoraTarget t : targets) {
            a[t.ordinal()] = new float[config.layers()][rank * t.in(config)];
            b[t.ordinal()] = new float[config.layers()][t.out(config) * rank];
        }
    }

    /** An adapter whose A and B are all zero (the identity update); fill it with {@link #a}/{@link #b}. */
    public static LoraAdapter zeros(ModelConfig config, int rank, float alpha, Set<LoraTarget> targets) {
        return new LoraAdapter(config, rank, alpha, targets);
    }

    /**
     * An adapter with Gaussian A and B (standard deviations {@code aStd}, {@code bStd}) drawn from
     * {@code random}: unlike PEFT's initialisation B is not zero, so different seeds give
     * adapters that actually change the model differently.
     */
    public static LoraAdapter random(ModelConfig config, int rank, float alpha, Set<LoraTarget> targets,
                                     Random random, double aStd, double bStd) {
        LoraAdapter adapter = new LoraAdapter(config, rank, alpha, targets);
        for (LoraTarget t : adapter.targets) {
            for (int l = 0; l < config.layers(); l++) {
                fill(adapter.a(t, l), random, aStd);
                fill(adapter.b(t, l), random, bStd);
            }
        }
        return adapter;
    }

    private static void fill(float[] values, Random random, double std) {
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
    }

    /** The base model configuration whose widths the matrices have. */
    public ModelConfig config() {
        return config;
    }

    public int rank() {
        return rank;
    }

    public float alpha() {
        return alpha;
    }

    /** The factor applied to B A x: alpha / rank. */
    public float scale() {
        return alpha / rank;
    }

    public Set<LoraTarget> targets() {
        return targets;
    }

    public boolean has(LoraTarget target) {
        return a[target.ordinal()] != null;
    }

    /** A of {@code target} in {@code layer}: {@code rank x target.in(config)}, row-major, live. */
    public float[] a(LoraTarget target, int layer) {
        return matrices(a, target)[layer];
    }

    /** B of {@code target} in {@code layer}: {@code target.out(config) x rank}, row-major, live. */
    public float[] b(LoraTarget target, int layer) {
        return matrices(b, target)[layer];
    }

    private float[][] matrices(float[][][] all, LoraTarget target) {
        float[][] m = all[target.ordinal()];
        if (m == null) {
            throw new IllegalArgumentException("the adapter has no " + target.key() + " target (it has "
                    + LoraTarget.join(targets) + ")");
        }
        return m;
    }

    /** True when both adapters have the same shape: rank, alpha, targets and base widths. */
    public boolean sameShape(LoraAdapter other) {
        return rank == other.rank && alpha == other.alpha && targets.equals(other.targets)
                && config.dim() == other.config.dim() && config.hiddenDim() == other.config.hiddenDim()
                && config.kvDim() == other.config.kvDim() && config.layers() == other.config.layers();
    }
}
