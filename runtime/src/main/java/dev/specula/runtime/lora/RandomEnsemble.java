package dev.specula.runtime.lora;

import dev.specula.runtime.kernel.Weights;
import dev.specula.runtime.kernel.WeightsFactory;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.ModelConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A seeded ensemble of random adapters, for testing and benchmarking uncertainty without training.
 * Unlike PEFT's initialisation, B is not zero, so members really disagree. The size of each
 * update is set relative to the base projection: with {@code relativeScale} s, |B A x| is about s
 * times |W x| for a typical input, whatever the layer's weight scale.
 */
public final class RandomEnsemble {
    private RandomEnsemble() {
    }

    public static LoraEnsemble create(Model base, int members, int rank, float alpha, Set<LoraTarget> targets,
                                      long seed, double relativeScale) {
        ModelConfig c = base.config();
        Random random = new Random(seed);
        float scale = alpha / rank;
        // A ~ N(0, 1/in) keeps |A x| near |x|; B then sets the update to relativeScale * |W x| ~ sqrt(in) rms(W) |x|.
        double[][] bStd = new double[LoraTarget.values().length][c.layers()];
        for (LoraTarget t : targets) {
            for (int l = 0; l < c.layers(); l++) {
                bStd[t.ordinal()][l] = relativeScale * Math.sqrt(t.in(c)) * rms(WeightsFactory.of(base.tensor(t.baseTensor(l))))
                        / (scale * Math.sqrt(rank));
            }
        }
        List<LoraAdapter> adapters = new ArrayList<>();
        for (int k = 0; k < members; k++) {
            LoraAdapter adapter = LoraAdapter.zeros(c, rank, alpha, targets);
            for (LoraTarget t : targets) {
                double aStd = 1 / Math.sqrt(t.in(c));
                for (int l = 0; l < c.layers(); l++) {
                    fill(adapter.a(t, l), random, aStd);
                    fill(adapter.b(t, l), random, bStd[t.ordinal()][l]);
                }
            }
            adapters.add(adapter);
        }
        double[] priors = new double[members];
        Arrays.fill(priors, 1.0 / members);
        return new LoraEnsemble(adapters, priors, base.source().getFileName().toString(),
                Map.of("kind", "random", "seed", Long.toString(seed), "relative_scale", Double.toString(relativeScale)));
    }

    private static void fill(float[] values, Random random, double std) {
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
    }

    private static double rms(Weights w) {
        float[] row = new float[w.cols()];
        double sum = 0;
        for (int r = 0; r < w.rows(); r++) {
            w.row(r, row, 0);
            for (float v : row) {
                sum += (double) v * v;
            }
        }
        return Math.sqrt(sum / ((double) w.rows() * w.cols()));
    }
}
