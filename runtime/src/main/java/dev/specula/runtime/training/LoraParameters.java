package dev.specula.runtime.training;

import dev.specula.runtime.model.ModelConfig;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The trainable LoRA weights of one ensemble member and their gradients. For every adapted
 * projection of every layer, {@code A} is {@code [rank, in]} and {@code B} is {@code [out, rank]},
 * row-major, and the projection computes {@code y = W x + scale * B (A x)}.
 * Projections that are not targeted hold {@code null}.
 */
public final class LoraParameters {
    final ModelConfig config;
    final Set<Projection> targets;
    final int rank;
    final float loraAlpha;
    final float scale;
    /** {@code [layer][projection.ordinal()]}. */
    final float[][][] a;
    final float[][][] b;
    final float[][][] gradA;
    final float[][][] gradB;

    public LoraParameters(ModelConfig config, Set<Projection> targets, int rank, float loraAlpha) {
        if (rank < 1) {
            throw new IllegalArgumentException("rank must be positive, got " + rank);
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("no projections targeted");
        }
        this.config = config;
        this.targets = EnumSet.copyOf(targets);
        this.rank = rank;
        this.loraAlpha = loraAlpha;
        this.scale = loraAlpha / rank;
        int n = Projection.values().length;
        a = new float[config.layers()][n][];
        b = new float[config.layers()][n][];
        gradA = new float[config.layers()][n][];
        gradB = new float[config.layers()][n][];
        for (int l = 0; l < config.layers(); l++) {
            for (Projection p : targets) {
                a[l][p.ordinal()] = new float[rank * p.in(config)];
                b[l][p.ordinal()] = new float[p.out(config) * rank];
                gradA[l][p.ordinal()] = new float[rank * p.in(config)];
                gradB[l][p.ordinal()] = new float[p.out(config) * rank];
            }
        }
    }

    /**
     * Seeded initialisation. A is drawn like PEFT's Kaiming-uniform default (bound 1/sqrt(in)).
     * B gets small random values instead of PEFT's zeros: with B = 0 every member starts as the
     * same function (the base model), and the soft-routing objective then has nothing to break
     * the symmetry between members.
     */
    public void initialise(long seed, float bStd) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int l = 0; l < config.layers(); l++) {
            for (Projection p : targets) {
                float bound = (float) (1.0 / Math.sqrt(p.in(config)));
                float[] av = a[l][p.ordinal()];
                for (int i = 0; i < av.length; i++) {
                    av[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
                }
                float[] bv = b[l][p.ordinal()];
                for (int i = 0; i < bv.length; i++) {
                    bv[i] = (float) (gaussian(random) * bStd);
                }
            }
        }
    }

    private static double gaussian(SplittableRandom random) {
        // Box-Muller: SplittableRandom has no nextGaussian of its own before Java 17's RandomGenerator default.
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    public ModelConfig config() {
        return config;
    }

    public Set<Projection> targets() {
        return EnumSet.copyOf(targets);
    }

    public int rank() {
        return rank;
    }

    public float loraAlpha() {
        return loraAlpha;
    }

    /** The live A matrix of one projection ({@code [rank, in]}); null when it is not targeted. */
    public float[] a(int layer, Projection p) {
        return a[layer][p.ordinal()];
    }

    /** The live B matrix of one projection ({@code [out, rank]}); null when it is not targeted. */
    public float[] b(int layer, Projection p) {
        return b[layer][p.ordinal()];
    }

    public float[] gradA(int layer, Projection p) {
        return gradA[layer][p.ordinal()];
    }

    public float[] gradB(int layer, Projection p) {
        return gradB[layer][p.ordinal()];
    }

    /** Every parameter array, in a fixed order matching {@link #gradients()}. */
    public List<float[]> parameters() {
        return collect(a, b);
    }

    public List<float[]> gradients() {
        return collect(gradA, gradB);
    }

    private List<float[]> collect(float[][][] first, float[][][] second) {
        List<float[]> out = new ArrayList<>();
        for (int l = 0; l < config.layers(); l++) {
            for (Projection p : targets) {
                out.add(first[l][p.ordinal()]);
                out.add(second[l][p.ordinal()]);
            }
        }
        return out;
    }

    public void zeroGradients() {
        for (float[] g : gradients()) {
            java.util.Arrays.fill(g, 0f);
        }
    }

    /** Number of trainable values. */
    public long size() {
        return parameters().stream().mapToLong(p -> p.length).sum();
    }
}
