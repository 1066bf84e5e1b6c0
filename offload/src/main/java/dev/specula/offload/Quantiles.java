package dev.specula.offload;

import java.util.Arrays;

/** Thresholds from samples: the value below which a given fraction of the samples lie. */
final class Quantiles {
    private Quantiles() {
    }

    /** For each fraction f, the f-quantile of {@code values[0 .. count)}, which are sorted in place. */
    static float[] of(float[] values, int count, float[] fractions) {
        Arrays.sort(values, 0, count);
        float[] q = new float[fractions.length];
        for (int i = 0; i < fractions.length; i++) {
            int index = (int) Math.min(count - 1, Math.max(0, Math.floor(fractions[i] * (double) count)));
            q[i] = values[index];
        }
        return q;
    }
}
