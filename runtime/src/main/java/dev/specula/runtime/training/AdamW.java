package dev.specula.runtime.training;

import java.util.ArrayList;
import java.util.List;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter) over a fixed list of parameter arrays.
 * The moment arrays are exposed so checkpoints can save and restore them.
 */
public final class AdamW {
    private final List<float[]> parameters;
    private final List<float[]> first = new ArrayList<>();
    private final List<float[]> second = new ArrayList<>();
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;
    private long steps;

    public AdamW(List<float[]> parameters, double beta1, double beta2, double epsilon, double weightDecay) {
        this.parameters = List.copyOf(parameters);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
        for (float[] p : parameters) {
            first.add(new float[p.length]);
            second.add(new float[p.length]);
        }
    }

    /** The usual defaults: betas 0.9 / 0.999, epsilon 1e-8. */
    public static AdamW standard(List<float[]> parameters, double weightDecay) {
        return new AdamW(parameters, 0.9, 0.999, 1e-8, weightDecay);
    }

    /** One update with learning rate {@code lr}; {@code gradients} match the parameters in order and shape. */
    public void step(List<float[]> gradients, double lr) {
        if (gradients.size() != parameters.size()) {
            throw new IllegalArgumentException(gradients.size() + " gradients for " + parameters.size() + " parameters");
        }
        steps++;
        double correct1 = 1 - Math.pow(beta1, steps);
        double correct2 = 1 - Math.pow(beta2, steps);
        for (int i = 0; i < parameters.size(); i++) {
            float[] p = parameters.get(i);
            float[] g = gradients.get(i);
            float[] m = first.get(i);
            float[] v = second.get(i);
            for (int j = 0; j < p.length; j++) {
                m[j] = (float) (beta1 * m[j] + (1 - beta1) * g[j]);
                v[j] = (float) (beta2 * v[j] + (1 - beta2) * g[j] * g[j]);
                double update = (m[j] / correct1) / (Math.sqrt(v[j] / correct2) + epsilon);
                p[j] = (float) (p[j] - lr * (update + weightDecay * p[j]));
            }
        }
    }

    public long steps() {
        return steps;
    }

    /** First-moment arrays, live, in parameter order. */
    public List<float[]> firstMoments() {
        return first;
    }

    /** Second-moment arrays, live, in parameter order. */
    public List<float[]> secondMoments() {
        return second;
    }

    /** Sets the step count when moments are restored from a checkpoint (bias correction depends on it). */
    public void restoreSteps(long steps) {
        this.steps = steps;
    }

    /**
     * Scales {@code gradients} in place so their global L2 norm is at most {@code maxNorm}
     * (0 or less: no clipping); returns the norm before clipping.
     */
    public static double clipGlobalNorm(List<float[]> gradients, double maxNorm) {
        double sum = 0;
        for (float[] g : gradients) {
            for (float x : g) {
                sum += (double) x * x;
            }
        }
        double norm = Math.sqrt(sum);
        if (maxNorm > 0 && norm > maxNorm) {
            float factor = (float) (maxNorm / norm);
            for (float[] g : gradients) {
                for (int j = 0; j < g.length; j++) {
                    g[j] *= factor;
                }
            }
        }
        return norm;
    }
}
